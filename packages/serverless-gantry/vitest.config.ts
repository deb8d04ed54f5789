import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end tests run the real `sls package`: seconds each.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
