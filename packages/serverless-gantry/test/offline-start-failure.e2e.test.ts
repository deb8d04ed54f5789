import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support/offline.js';
import { SLS_BIN } from './support/serverless.js';
import { tempService } from './support/temp-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(cleanups.map((remove) => remove()));
});

// serverless-offline 14.8.2 throws at start for a route whose Lambda (request) authorizer names a
// function the service does not have: a real start-up failure, after Gantry's front and local
// DynamoDB are up and serverless-offline's Lambda port listens. (JWT authorizers, its failure here
// before, are now the front's: see auth.e2e.test.ts.)
const SERVICE = `service: start-failure
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
  httpApi:
    authorizers:
      custom:
        type: request
        functionName: checkCaller
plugins:
  - serverless-gantry
  - serverless-esbuild
  - serverless-offline
custom:
  gantry:
    handlers: src/**/*.ts
  esbuild:
    target: node22
    exclude: ["@aws-sdk/*"]
`;

const HANDLERS = `import { auth, get, table, uses } from '@gantry/decorators';
export const Things = table('things', { partitionKey: { name: 'id', type: 'S' } });
export class ThingsApi {
  @get('/things') @auth() @uses(Things, 'read') static list() { return []; }
}
`;

/** Resolves true when nothing listens on the port any more (it can be bound again). */
const released = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * Runs `sls offline --verbose` in `dir` until it exits (it must fail to start): its exit code,
 * everything it printed (serverless-offline's own lines too), and the ports it was given.
 */
async function offlineUntilExit(dir: string) {
  const [httpPort, lambdaPort, dynamodbPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      SLS_BIN,
      'offline',
      '--host',
      '127.0.0.1',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
      '--verbose',
    ],
    {
      cwd: dir,
      // Gantry says where the local DynamoDB is once everything serves, so never here: it is given.
      env: { ...process.env, CI: 'true', SLS_TELEMETRY_DISABLED: '1', GANTRY_DYNAMODB_PORT: String(dynamodbPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  // Only a guard against a hang (the failure under test): on a busy machine start-up takes seconds.
  const guard = setTimeout(() => child.kill('SIGKILL'), 90_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(guard);
  return { code, output, httpPort, lambdaPort, dynamodbPort };
}

describe('sls offline start-up failure', () => {
  it('prints the cause and exits 1 with every port released, instead of hanging', async () => {
    const service = await tempService({ 'serverless.yml': SERVICE, 'src/things.ts': HANDLERS });
    cleanups.push(service.remove);
    const { code, output, httpPort, lambdaPort, dynamodbPort } = await offlineUntilExit(service.dir);

    expect(code, output).toBe(1);
    // It got as far as starting everything (the local DynamoDB first), then failed in serverless-offline.
    expect(output).toContain(`listening on http://127.0.0.1:${lambdaPort}`);
    expect(output).toMatch(/Function "checkCaller" doesn't exist in this Service/);
    expect(output).toContain('gantry: sls offline failed to start');
    for (const port of [httpPort, lambdaPort, dynamodbPort]) expect(await released(port), `port ${port}`).toBe(true);
  });

  it('never serves a JWT route publicly: with a catch-all route beside it the front cannot check it, so sls offline refuses to start', async () => {
    const jwtService = `service: jwt-with-catch-all
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
  httpApi:
    authorizers:
      users:
        type: jwt
        identitySource: $request.header.Authorization
        issuerUrl: https://issuer.example.com
        audience: [web]
plugins:
  - serverless-gantry
  - serverless-esbuild
  - serverless-offline
functions:
  fallback:
    handler: raw/fallback.handler
    events:
      - httpApi: '*'
custom:
  gantry:
    handlers: src/**/*.ts
  esbuild:
    target: node22
    exclude: ["@aws-sdk/*"]
`;
    const service = await tempService({
      'serverless.yml': jwtService,
      'src/things.ts': HANDLERS,
      'raw/fallback.ts': 'export const handler = async () => ({ statusCode: 404, body: "none" });\n',
    });
    cleanups.push(service.remove);
    const { code, output } = await offlineUntilExit(service.dir);
    expect(code, output).toBe(1);
    expect(output).toContain('Serverless Offline only supports retrieving JWT from the headers');
    expect(output).not.toMatch(/^Ready: /m);
  });
});
