import { execFileSync, spawn } from 'node:child_process';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  findNode,
  NODE_BINARY_ENV,
  nodePackage,
  RUNTIME_NODE_ENV,
  runtimeMajor,
} from '../src/offline/run/runtime-node.js';
import { freePort } from './support/offline.js';
import { SLS_BIN } from './support/serverless.js';
import { SERVERLESS_YML, tempService } from './support/temp-service.js';

const thisMajor = Number(process.versions.node.split('.')[0]);

describe("the Node that runs local functions: provider.runtime's major", () => {
  afterEach(() => {
    delete process.env[NODE_BINARY_ENV];
  });

  it('reads the major of Node.js runtimes only', () => {
    expect(runtimeMajor('nodejs22.x')).toBe(22);
    expect(runtimeMajor('nodejs24.x')).toBe(24);
    expect(runtimeMajor('python3.12')).toBeUndefined();
    expect(runtimeMajor(undefined)).toBeUndefined();
  });

  it("downloads Node's own build for this platform from the npm registry", () => {
    expect(nodePackage(22)).toBe(`node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}@22`);
  });

  it(`uses $${NODE_BINARY_ENV} when it is the runtime's major, and says what to do when it is not`, () => {
    process.env[NODE_BINARY_ENV] = process.execPath;
    expect(findNode(thisMajor, () => undefined)).toEqual({ binary: process.execPath, version: process.versions.node });
    expect(() => findNode(thisMajor + 1, () => undefined)).toThrow(
      `${NODE_BINARY_ENV}=${process.execPath} is Node ${process.versions.node}, but provider.runtime needs Node ${thisMajor + 1}; point it at a Node ${thisMajor + 1} binary or unset it.`,
    );
  });
});

// The tests themselves run on the runtime's Node (.ci/test-all.mjs, vitest.config.ts), so a
// `sls offline` they start needs no second Node. A user's `npm start` on another Node does: this
// starts one on the Node the test run was started with (GANTRY_STARTED_ON_NODE, set by both), when
// that is another major.
const startedOn = process.env.GANTRY_STARTED_ON_NODE;
const startedOnMajor = startedOn
  ? Number(execFileSync(startedOn, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0])
  : undefined;

describe('sls offline started on another Node major', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it.skipIf(startedOnMajor === undefined || startedOnMajor === 22)(
    "runs itself again on provider.runtime's major, whose functions answer; Ctrl-C stops both",
    async () => {
      const service = await tempService({
        'serverless.yml': SERVERLESS_YML('other-node').replace(
          '  - serverless-esbuild\n',
          '  - serverless-esbuild\n  - serverless-offline\n',
        ),
        'src/node.ts': `import { api, get } from '@gantry/decorators';\n@api('')\nexport class Runtime {\n  @get('/node') static node() { return { node: process.versions.node }; }\n}\n`,
      });
      cleanups.push(service.remove);
      const [httpPort, lambdaPort] = [await freePort(), await freePort()];
      const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1' };
      delete env[RUNTIME_NODE_ENV];
      const child = spawn(
        startedOn as string,
        [SLS_BIN, 'offline', '--host', '127.0.0.1', '--httpPort', String(httpPort), '--lambdaPort', String(lambdaPort)],
        { cwd: service.dir, env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      cleanups.push(async () => {
        if (child.exitCode === null) child.kill('SIGKILL');
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      await expect
        .poll(() => output, { timeout: 180_000 })
        .toMatch(/^Functions run on Node 22\.\d+\.\d+ \(provider\.runtime nodejs22\.x\)$/m);
      const response = await fetch(`http://127.0.0.1:${httpPort}/node`);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { node: string }).node.split('.')[0]).toBe('22');
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      await expect
        .poll(async () => (await fetch(`http://127.0.0.1:${httpPort}/node`).catch(() => undefined))?.status)
        .toBeUndefined();
    },
  );
});
