import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';

const cwd = fileURLToPath(new URL('./fixtures/faults/', import.meta.url));
let offline: OfflineRun;

beforeAll(async () => {
  offline = await startOffline(cwd);
});
afterAll(async () => {
  await offline?.stop();
});

async function call(fault: string) {
  const response = await fetch(`${offline.url}/faults/${fault}`);
  return { status: response.status, body: await response.text() };
}

async function stillServes() {
  const after = await call('ok');
  expect(after.status).toBe(200);
  expect(JSON.parse(after.body)).toMatchObject({ ok: true });
}

// Each fault, then a request that must succeed: one bad handler never takes the local run down.
describe('sls offline answers handler faults as AWS does, and keeps serving', () => {
  it('a handler that throws: 500 with the JSON error body, no stack in the response, the stack in the terminal', async () => {
    const { status, body } = await call('throw');
    expect(status).toBe(500);
    expect(JSON.parse(body)).toEqual({ error: { code: 'internal', requestId: expect.any(String) } });
    expect(body).not.toContain('hunter2');
    expect(offline.output()).toMatch(/database password is hunter2[\s\S]*at .*throws/);
    await stillServes();
  });

  it('a fire-and-forget rejected promise: the request succeeds, the rejection is logged', async () => {
    expect((await call('reject')).status).toBe(200);
    await offline.waitFor(/Runtime\.UnhandledPromiseRejection/);
    await stillServes();
  });

  it('process.exit() in a handler: 500 as API Gateway answers a crashed function', async () => {
    expect(await call('exit')).toEqual({ status: 500, body: '{"message":"Internal Server Error"}' });
    await stillServes();
  });

  it('a timeout: 503 as API Gateway answers, not 200 with a stack trace', async () => {
    expect(await call('timeout')).toEqual({ status: 503, body: '{"message":"Service Unavailable"}' });
    await stillServes();
  });

  it("a module that loads for longer than the function's timeout: init is its own phase, as on Lambda", async () => {
    const response = await fetch(`${offline.url}/slow-init`);
    expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { ok: true } });
  });
});
