export {
  distributeRewards,
  previewRewards,
  type RewardPayoutView,
  type RewardsProgress,
  type RewardsReport,
} from './distribute.ts';
export { EPOCH_PATTERN, epochOf, parseEpoch } from './epoch.ts';
export { listEpochs } from './list-epochs.ts';
export {
  type CreateRewardTokenInput,
  createRewardToken,
  findRewardTokenId,
  REWARD_TOKEN_SETTING,
  type RewardsContext,
  requireRewardTokenId,
} from './reward-token.ts';
export { PAYABLE_ACCOUNT, type Share, splitEmission } from './shares.ts';
