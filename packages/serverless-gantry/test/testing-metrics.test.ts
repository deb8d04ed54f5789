// serverless-gantry/testing reads the metrics functions write (CloudWatch Embedded Metric Format)
// and checks every line as CloudWatch would: a line it would drop fails the request that wrote it.
import { EmfError, type LocalService, startLocalService } from 'serverless-gantry/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVERLESS_YML, tempService } from './support/temp-service.js';

const ROUTES = `
import { api, get, post } from '@gantry/decorators';
import type { HttpRequest } from '@gantry/middy';

@api('/tasks')
export class TasksApi {
  @post('/')
  static create(request: HttpRequest) {
    request.metrics.add('TasksCreated', 'Count', 1);
    request.metrics.add('TitleLength', 'Count', 12, { dimensions: { plan: 'pro' } });
    return { id: 't1' };
  }

  /** Writes its own EMF line, as a function using another metrics library might, with 31 dimensions. */
  @get('/wide')
  static wide() {
    const dims = Object.fromEntries(Array.from({ length: 31 }, (_, i) => ['d' + i, 'x']));
    console.log(JSON.stringify({
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'mine', Dimensions: [Object.keys(dims)], Metrics: [{ Name: 'Wide' }] }] },
      ...dims,
      Wide: 1,
    }));
    return {};
  }

  /** Its own EMF line with a value that is not a number. */
  @get('/text')
  static text() {
    console.log(JSON.stringify({
      _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: 'mine', Dimensions: [[]], Metrics: [{ Name: 'Orders', Unit: 'Count' }] }] },
      Orders: 'seven',
    }));
    return {};
  }
}
`;

let service: LocalService;
let remove: () => Promise<void>;
beforeAll(async () => {
  const temp = await tempService({ 'serverless.yml': SERVERLESS_YML('metrics-app'), 'src/tasks.ts': ROUTES });
  remove = temp.remove;
  service = await startLocalService({ servicePath: temp.dir, stage: 'qa' });
});
afterAll(async () => {
  await service?.stop();
  await remove?.();
});

describe('service.metrics()', () => {
  it("returns the kit's request metrics and the method's own, with the stage's namespace and the route", async () => {
    expect((await service.request('POST', '/tasks', { body: {} })).status).toBe(200);
    const mine = service.metrics({ function: 'tasks-api-create' });
    const byName = Object.fromEntries(mine.map((m) => [m.name, m]));
    expect(Object.keys(byName).sort()).toEqual(['4xx', '5xx', 'ColdStart', 'Latency', 'TasksCreated', 'TitleLength']);
    expect(byName.TasksCreated).toMatchObject({
      namespace: 'metrics-app/qa',
      unit: 'Count',
      value: 1,
      dimensions: { route: 'POST /tasks' },
    });
    expect(byName.TitleLength?.dimensions).toEqual({ route: 'POST /tasks', plan: 'pro' });
    expect(byName['5xx']?.value).toBe(0);
    expect(typeof byName.Latency?.value).toBe('number');
  });
});

describe('lines CloudWatch would drop', () => {
  it.each([
    ['/tasks/wide', /31 dimensions; at most 30/],
    ['/tasks/text', /metric Orders needs a number or an array of numbers at the root, got "seven"/],
  ])('GET %s fails the request that wrote it, and metrics() after it', async (path, problem) => {
    const failed = service.request('GET', path);
    await expect(failed).rejects.toThrow(EmfError);
    await expect(failed).rejects.toThrow(problem);
    expect(() => service.metrics()).toThrow(problem);
  });
});
