export { checkHealth, type HealthProbe, type HealthReport, type ServiceHealth } from './check-health.ts';
