import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `*.test-d.ts` are type tests: vitest runs tsc over them and fails a test whose types are wrong
    // (an `@ts-expect-error` with no error is a failure too).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    // The runtime tests start the tasks-app template's functions (serverless-gantry/testing): seconds
    // on a busy machine. Limits only guard against hangs.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
