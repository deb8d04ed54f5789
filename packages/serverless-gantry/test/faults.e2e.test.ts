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

describe("sls offline runs the functions on provider.runtime's Node major", () => {
  it('a handler using a Node 22 API (process.getBuiltinModule) works, as on Lambda nodejs22.x', async () => {
    const response = await fetch(`${offline.url}/runtime/node`);
    const body = (await response.json()) as { version: string; pathSeparator: string | null };
    expect(response.status).toBe(200);
    expect(body.version.split('.')[0]).toBe('22');
    expect(body.pathSeparator).toBe('/');
  });

  it('says at start which Node runs the functions', () => {
    expect(offline.output()).toMatch(/^Functions run on Node 22\.\d+\.\d+ \(provider\.runtime nodejs22\.x\)$/m);
  });
});

// What a newcomer reads in the terminal. These run last: the final one stops sls offline.
describe('the terminal of sls offline reads without help', () => {
  it("a handler's stack trace points at the TypeScript source, not the minified bundle", async () => {
    expect((await call('throw')).status).toBe(500);
    // The kit prints the error's stack under its message; the first frame is the throwing method.
    const [, frame] = await offline.waitFor(/^Error: database password is hunter2\n(.*)$/m);
    expect(frame).toMatch(/at \S*throws \(.*\/src\/faults\.ts:12:\d+\)$/);
  });

  it("the AWS SDK's NodeVersionSupportWarning prints at most once, not once per function thread", async () => {
    for (const path of ['/sdk/first', '/sdk/second']) {
      const response = await fetch(`${offline.url}${path}`);
      expect(response.status).toBe(200);
      await response.text();
    }
    // Both threads have answered (their request lines are out) before counting.
    await offline.waitFor(/^GET \/sdk\/first 200 .* sdk-clients-first/m);
    await offline.waitFor(/^GET \/sdk\/second 200 .* sdk-clients-second/m);
    expect(offline.output().match(/NodeVersionSupportWarning/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it("Gantry's table lists the front's URLs, and serverless-offline's box of its internal port is not printed", () => {
    const output = offline.output();
    expect(output).not.toContain('Server ready');
    const routes = output.slice(output.indexOf('METHOD '));
    expect(routes).toMatch(new RegExp(`GET +${offline.url}/faults/ok +faults-ok`));
    expect(routes).toMatch(new RegExp(`GET +${offline.url}/sdk/first +sdk-clients-first`));
  });

  it('Ctrl-C (SIGINT) stops sls offline with exit code 0 and no "Command failed"', async () => {
    const before = offline.output().length;
    offline.kill('SIGINT');
    expect(await offline.exited).toBe(0);
    expect(offline.output().slice(before)).not.toMatch(/Command failed|Error|✖/);
  });
});
