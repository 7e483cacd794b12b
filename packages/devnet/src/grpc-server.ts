import * as grpc from '@grpc/grpc-js';
import { proto } from '@hashgraph/proto';
import type { FaultSwitch } from './faults.ts';
import { answerQuery, QUERY_METHODS, type QueryCase } from './queries.ts';
import type { LedgerState } from './state.ts';
import { TRANSACTION_METHODS, type TransactionProcessor } from './transactions.ts';

const DEFAULT_SLOW_MS = 2000;

// The SDK calls `/proto.<Service>/<method>` with protobuf bytes; the service definitions pass the
// bytes through untouched and the handlers decode them with @hashgraph/proto's classes.
const passThrough = (bytes: Buffer): Buffer => bytes;

function rawMethod(service: string, method: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path: `/proto.${service}/${method}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: passThrough,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
    responseDeserialize: passThrough,
  };
}

export interface NodeDeps {
  state: LedgerState;
  processor: TransactionProcessor;
  faults: FaultSwitch;
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs one call through the fault switch; `answer` builds the normal reply, `busy` the BUSY one. */
async function withFaults(
  faults: FaultSwitch,
  callback: grpc.sendUnaryData<Buffer>,
  answer: () => Buffer,
  busy: () => Buffer,
): Promise<void> {
  const fault = faults.take();
  if (fault?.mode === 'unavailable') {
    callback({ code: grpc.status.UNAVAILABLE, details: 'devnet node unavailable (fault injected)' });
    return;
  }
  if (fault?.mode === 'busy') {
    callback(null, busy());
    return;
  }
  if (fault?.mode === 'slow') await delay(fault.delayMs ?? DEFAULT_SLOW_MS);
  try {
    callback(null, answer());
  } catch (error) {
    callback({
      code: grpc.status.INTERNAL,
      details: error instanceof Error ? error.message : 'internal error',
    });
  }
}

export function buildGrpcServer({ state, processor, faults }: NodeDeps): grpc.Server {
  const server = new grpc.Server();
  const services = new Set([...Object.keys(TRANSACTION_METHODS), ...Object.keys(QUERY_METHODS)]);
  for (const service of services) {
    const definition: Record<string, grpc.MethodDefinition<Buffer, Buffer>> = {};
    const implementation: grpc.UntypedServiceImplementation = {};
    const transactions: Record<string, string> =
      TRANSACTION_METHODS[service as keyof typeof TRANSACTION_METHODS] ?? {};
    for (const [method, bodyCase] of Object.entries(transactions)) {
      definition[method] = rawMethod(service, method);
      implementation[method] = (
        call: grpc.ServerUnaryCall<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => {
        const respond = (code: proto.ResponseCodeEnum) =>
          Buffer.from(proto.TransactionResponse.encode({ nodeTransactionPrecheckCode: code }).finish());
        void withFaults(
          faults,
          callback,
          () =>
            respond(
              processor.submit(bodyCase as Parameters<TransactionProcessor['submit']>[0], call.request),
            ),
          () => respond(proto.ResponseCodeEnum.BUSY),
        );
      };
    }
    const queries: Record<string, string> = QUERY_METHODS[service as keyof typeof QUERY_METHODS] ?? {};
    for (const [method, queryCase] of Object.entries(queries)) {
      definition[method] = rawMethod(service, method);
      implementation[method] = (
        call: grpc.ServerUnaryCall<Buffer, Buffer>,
        callback: grpc.sendUnaryData<Buffer>,
      ) => {
        const typedCase = queryCase as QueryCase;
        const encode = (response: proto.IResponse) => Buffer.from(proto.Response.encode(response).finish());
        void withFaults(
          faults,
          callback,
          () => encode(answerQuery(state, typedCase, call.request)),
          () =>
            encode({ [typedCase]: { header: { nodeTransactionPrecheckCode: proto.ResponseCodeEnum.BUSY } } }),
        );
      };
    }
    server.addService(definition, implementation);
  }
  return server;
}

export function listenGrpc(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
      if (error) reject(error);
      else resolve(boundPort);
    });
  });
}
