import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The SDK's retries (BUSY backoff, receipts) take a few seconds on a loaded 2-core machine.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
