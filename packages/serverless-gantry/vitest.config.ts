import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // End-to-end tests run the real `sls package` and `sls offline`: seconds each, more on a busy
    // machine. Limits only guard against hangs; tests wait for conditions, never for fixed times.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    expect: {
      // A cold first request (a worker thread loading its bundle) takes seconds on a busy machine;
      // expect.poll's default of 1 s failed there.
      poll: { timeout: 60_000, interval: 100 },
      requireAssertions: true,
    },
  },
});
