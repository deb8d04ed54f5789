import { onRuntimeNode } from 'serverless-gantry/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  // The testing helper's function threads run in the test's own process: the whole run is on
  // provider.runtime's Node major (every fixture's, and the root service's, is nodejs22.x).
  await onRuntimeNode({ runtime: 'nodejs22.x' });
  return {
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
  };
});
