import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRun } from '../src/offline/run/local-run.js';
import { callWire } from './support/dynamo-wire.js';
import { type OfflineRun, startOffline } from './support/offline.js';

// What `sls offline` does when the local DynamoDB's thread dies anyway (after the request boundary,
// nothing a request holds can do that: see local-endpoint.test.ts and endpoint-fuzz.test.ts). The
// thread is made to fail by an internal, test-only switch: a request for this operation throws on
// the thread outside any request.
const FAILURE = 'GantryTestFailure';
const cwd = fileURLToPath(new URL('./fixtures/offline-iam/', import.meta.url));

describe('sls offline when the local DynamoDB fails', () => {
  let offline: OfflineRun;
  beforeAll(async () => {
    process.env.GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE = FAILURE;
    try {
      offline = await startOffline(cwd);
    } finally {
      delete process.env.GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE;
    }
  });
  afterAll(async () => {
    await offline?.stop();
  });

  it('says so at once in one line and stops with exit code 1', async () => {
    const endpoint = (
      await offline.waitFor(/DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/)
    )[1] as string;
    // The API answers before the failure.
    expect(
      (await fetch(`${offline.url}/probe/reader`, { method: 'POST', body: '{"table":"x","action":"Scan"}' })).status,
    ).toBe(200);

    await callWire(endpoint, FAILURE, '{}').catch(() => undefined); // never answered: the thread is gone
    // Nothing else is done: sls offline stops by itself (the limit only guards against a hang).
    const code = await Promise.race([
      offline.exited,
      new Promise((resolve) => setTimeout(() => resolve('still running after 120 s'), 120_000).unref()),
    ]);
    expect(code).toBe(1);
    const lines = offline
      .output()
      .split('\n')
      .filter((line) => line.includes('the local DynamoDB stopped'));
    expect(lines).toEqual([
      expect.stringMatching(
        /gantry: the local DynamoDB stopped \(Error: test-only failure of the local DynamoDB \(GantryTestFailure\)\); stopping sls offline \(exit 1\)/,
      ),
    ]);
  });
});

describe('a local run whose thread died', () => {
  it('fails its calls at once and stops at once, never waiting on the dead thread', async () => {
    // The thread's entry is the built module (dist): a worker thread runs JavaScript.
    const { startLocalRunInThread } = (await import('../dist/offline/run/local-run-thread.js')) as {
      startLocalRunInThread: typeof import('../src/offline/run/local-run-thread.js').startLocalRunInThread;
    };
    const { generateService } = await import('../src/generate/service.js');
    const { resolveStageOptions } = await import('../src/config.js');
    const manifest = { service: 's', stage: 'dev', functions: [], tables: [], queues: [] };
    const fragment = generateService(
      manifest,
      resolveStageOptions({}, { service: 's', stage: 'dev', region: 'eu-west-1' }),
      {
        authorizers: [],
      },
    );
    const failures: string[] = [];
    let failed: () => void = () => undefined;
    const reported = new Promise<void>((resolve) => {
      failed = resolve;
    });
    process.env.GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE = FAILURE;
    let run: LocalRun;
    try {
      run = await startLocalRunInThread(
        {
          servicePath: process.cwd(),
          manifest,
          fragment,
          region: 'eu-west-1',
          port: 0,
          enforceIam: true,
          denyUnidentified: false,
          ttlSweepMs: 60_000,
        },
        (reason) => {
          failures.push(reason);
          failed();
        },
      );
    } finally {
      delete process.env.GANTRY_INTERNAL_TEST_ENDPOINT_FAILURE;
    }
    await callWire(run.endpoint, FAILURE, '{}').catch(() => undefined);
    await reported;
    expect(failures).toEqual(['Error: test-only failure of the local DynamoDB (GantryTestFailure)']);
    await expect(run.sweepExpired()).rejects.toThrow('the local DynamoDB is not running');
    await run.stop(); // resolves: the test would time out if it waited on the dead thread
    expect(failures).toHaveLength(1);
  });
});
