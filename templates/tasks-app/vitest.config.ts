import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // A function's first request loads its module on a thread of its own (a cold start): seconds on
    // a busy machine. The limits only guard against hangs.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
