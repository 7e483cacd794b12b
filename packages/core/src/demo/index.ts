export {
  DEMO_MINER_KEYS_FILE,
  DEMO_NETWORK_SETTING,
  type DemoNetworkState,
  readDemoMinerKeys,
  readDemoNetworkState,
} from './demo-state.ts';
export { enableDemoSchedule } from './enable-demo-schedule.ts';
export {
  type DemoMiner,
  type DemoNetworkContext,
  type DemoNetworkOutcome,
  demoNetworkOffReason,
  ensureDemoNetwork,
} from './ensure-demo-network.ts';
