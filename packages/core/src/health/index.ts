export {
  cachedProbe,
  checkHealth,
  type HealthProbe,
  type HealthReport,
  publicHealthReport,
  type ServiceHealth,
} from './check-health.ts';
