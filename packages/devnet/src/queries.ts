import { proto } from '@hashgraph/proto';
import {
  accountIdProto,
  accountNum,
  int64,
  tokenIdProto,
  tokenNum,
  topicIdProto,
  topicNum,
} from './entity-id.ts';
import type { LedgerState } from './state.ts';
import { parseTransactionId, transactionIdKey } from './transaction-id.ts';

const Status = proto.ResponseCodeEnum;

/** Which query each gRPC method answers. */
export const QUERY_METHODS = {
  CryptoService: {
    getTransactionReceipts: 'transactionGetReceipt',
    cryptoGetBalance: 'cryptogetAccountBalance',
  },
  ConsensusService: { getTopicInfo: 'consensusGetTopicInfo' },
  TokenService: { getTokenInfo: 'tokenGetInfo' },
} as const;

export type QueryCase = {
  [S in keyof typeof QUERY_METHODS]: (typeof QUERY_METHODS)[S][keyof (typeof QUERY_METHODS)[S]];
}[keyof typeof QUERY_METHODS];

const header = (status: proto.ResponseCodeEnum): proto.IResponseHeader => ({
  nodeTransactionPrecheckCode: status,
});

/**
 * Answers the queries the SDK sends: receipts and balances (free), topic and token info (paid on
 * Hedera; here they cost 0 and the payment transaction is not charged).
 */
export function answerQuery(
  state: LedgerState,
  expectedCase: QueryCase,
  queryBytes: Uint8Array,
): proto.IResponse {
  let query: proto.Query;
  try {
    query = proto.Query.decode(queryBytes);
  } catch {
    return { [expectedCase]: { header: header(Status.INVALID_TRANSACTION_BODY) } };
  }
  if (query.query !== expectedCase) return { [expectedCase]: { header: header(Status.NOT_SUPPORTED) } };

  if (expectedCase === 'transactionGetReceipt') {
    const transactionId = parseTransactionId(query.transactionGetReceipt?.transactionID);
    if (!transactionId) return { transactionGetReceipt: { header: header(Status.INVALID_TRANSACTION_ID) } };
    const receipt = state.getReceipt(transactionIdKey(transactionId));
    if (!receipt) return { transactionGetReceipt: { header: header(Status.RECEIPT_NOT_FOUND) } };
    return {
      transactionGetReceipt: { header: header(Status.OK), receipt: proto.TransactionReceipt.decode(receipt) },
    };
  }

  if (expectedCase === 'consensusGetTopicInfo' || expectedCase === 'tokenGetInfo') {
    const queryHeader = query[expectedCase]?.header;
    if (queryHeader?.responseType === proto.ResponseType.COST_ANSWER) {
      return {
        [expectedCase]: {
          header: { ...header(Status.OK), responseType: queryHeader.responseType, cost: int64(0) },
        },
      };
    }
    return expectedCase === 'consensusGetTopicInfo' ? topicInfo(state, query) : tokenInfo(state, query);
  }

  const id = accountNum(query.cryptogetAccountBalance?.accountID);
  const account = id == null ? null : state.getAccount(id);
  if (!account) return { cryptogetAccountBalance: { header: header(Status.INVALID_ACCOUNT_ID) } };
  return {
    cryptogetAccountBalance: {
      header: header(Status.OK),
      accountID: query.cryptogetAccountBalance?.accountID ?? null,
      balance: int64(account.balance),
      tokenBalances: state.tokenBalancesOfAccount(account.num).map(({ token, balance }) => ({
        tokenId: tokenIdProto(token.num),
        balance: int64(balance),
        decimals: token.decimals,
      })),
    },
  };
}

function topicInfo(state: LedgerState, query: proto.Query): proto.IResponse {
  const id = topicNum(query.consensusGetTopicInfo?.topicID);
  const topic = id == null ? null : state.getTopic(id);
  if (!topic) return { consensusGetTopicInfo: { header: header(Status.INVALID_TOPIC_ID) } };
  return {
    consensusGetTopicInfo: {
      header: header(Status.OK),
      topicID: topicIdProto(topic.num),
      topicInfo: {
        memo: topic.memo,
        runningHash: topic.runningHash,
        sequenceNumber: int64(topic.sequenceNumber),
        adminKey: topic.adminKey ? proto.Key.decode(topic.adminKey) : null,
        submitKey: topic.submitKey ? proto.Key.decode(topic.submitKey) : null,
      },
    },
  };
}

function tokenInfo(state: LedgerState, query: proto.Query): proto.IResponse {
  const id = tokenNum(query.tokenGetInfo?.token);
  const token = id == null ? null : state.getToken(id);
  if (!token) return { tokenGetInfo: { header: header(Status.INVALID_TOKEN_ID) } };
  return {
    tokenGetInfo: {
      header: header(Status.OK),
      tokenInfo: {
        tokenId: tokenIdProto(token.num),
        name: token.name,
        symbol: token.symbol,
        decimals: token.decimals,
        totalSupply: int64(token.totalSupply),
        treasury: accountIdProto(token.treasuryNum),
        adminKey: token.adminKey ? proto.Key.decode(token.adminKey) : null,
        supplyKey: token.supplyKey ? proto.Key.decode(token.supplyKey) : null,
        tokenType: proto.TokenType.FUNGIBLE_COMMON,
        supplyType: token.maxSupply > 0n ? proto.TokenSupplyType.FINITE : proto.TokenSupplyType.INFINITE,
        maxSupply: int64(token.maxSupply),
      },
    },
  };
}
