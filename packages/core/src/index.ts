export * from './auth/index.ts';
export * from './config.ts';
export * from './context.ts';
export * from './errors.ts';
export * from './health/index.ts';
export * from './hedera-account.ts';
export * from './validate-input.ts';
export const VERSION = '0.1.0';
