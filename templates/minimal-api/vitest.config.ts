import { onRuntimeNode } from 'serverless-gantry/vitest';
import { defineConfig } from 'vitest/config';

export default defineConfig(async () => {
  // The functions run on threads of the tests' own process: the tests run on provider.runtime's
  // Node major (serverless.yml), as the functions do on Lambda and under sls offline.
  await onRuntimeNode({ servicePath: import.meta.dirname });
  return {
    test: {
      // A function's first request loads its module on a thread of its own (a cold start): seconds on
      // a busy machine. The limits only guard against hangs.
      testTimeout: 60_000,
      hookTimeout: 60_000,
    },
  };
});
