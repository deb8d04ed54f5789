// The real `sls offline`: a metrics line a function prints that CloudWatch would drop gets a warning
// below it in the terminal; a valid one does not.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type OfflineRun, startOffline } from './support/offline.js';
import { tempService } from './support/temp-service.js';

const SERVERLESS_YML = `service: emf-offline
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
  region: eu-west-1
plugins:
  - serverless-gantry
  - serverless-esbuild
  - serverless-offline
custom:
  esbuild:
    bundle: true
    target: node22
    exclude: ["@aws-sdk/*"]
`;
const ROUTES = `
import { api, get } from '@gantry/decorators';

const line = (value: unknown) =>
  console.log(JSON.stringify({
    _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'mine', Dimensions: [[]], Metrics: [{ Name: 'Orders', Unit: 'Count' }] }] },
    Orders: value,
  }));

@api('/emf')
export class Emf {
  @get('/good')
  static good() {
    line(7);
    return {};
  }

  @get('/bad')
  static bad() {
    line('seven');
    return {};
  }
}
`;

let run: OfflineRun;
let remove: () => Promise<void>;
beforeAll(async () => {
  const temp = await tempService({ 'serverless.yml': SERVERLESS_YML, 'src/emf.ts': ROUTES });
  remove = temp.remove;
  run = await startOffline(temp.dir);
});
afterAll(async () => {
  await run?.stop();
  await remove?.();
});

it('warns under a line CloudWatch would drop, and only under that one', async () => {
  expect((await fetch(`${run.url}/emf/good`)).status).toBe(200);
  await run.waitFor(/GET \/emf\/good 200/);
  expect((await fetch(`${run.url}/emf/bad`)).status).toBe(200);
  await run.waitFor(/CloudWatch would drop the metrics of the line above: metric Orders needs a number/);
  const output = run.output();
  expect(output.match(/CloudWatch would drop/g)).toHaveLength(1);
  expect(output.indexOf('"Orders":"seven"')).toBeLessThan(output.indexOf('CloudWatch would drop'));
});
