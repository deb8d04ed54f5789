import { api, consumes, get, queue, schedule } from '@gantry/decorators';
import { describe, expect, it } from 'vitest';
import {
  type HttpRequest,
  httpHandler,
  isMetricsError,
  KIT_METRICS,
  type MetricOptions,
  type MetricUnit,
  metrics,
  NotFoundError,
  type QueueMessage,
  queueHandler,
  scheduledHandler,
} from '../src/index.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { sqsRecord } from './support/records.js';

const settings = { namespace: 'tasks-app/dev' };
type Added = [string, MetricUnit, number, MetricOptions?];

/** A route whose method adds the metrics the test gives it, then answers with the status asked. */
function route(added: Added[] = [], status = 200) {
  @api('/tasks')
  class TasksApi {
    @get('/')
    static list(request: HttpRequest) {
      for (const [name, unit, value, options] of added) request.metrics.add(name, unit, value, options);
      if (status >= 500) throw new Error('broken');
      if (status === 404) throw new NotFoundError('No such list.');
      return { items: [] };
    }
  }
  const lines: string[] = [];
  const handler = httpHandler(TasksApi, 'list', { metrics: settings, logger: { write: (l) => lines.push(l) } });
  const call = async () => {
    await handler(httpEvent({ route: 'GET /tasks', path: '/tasks' }), lambdaContext());
    return JSON.parse(lines.at(-1) as string);
  };
  return { call, lines };
}

describe('metrics in the request line', () => {
  it('adds latency and status classes with the route dimension, in the same line', async () => {
    const { call, lines } = route();
    const line = await call();
    expect(lines).toHaveLength(1);
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'tasks-app/dev',
        Dimensions: [['route']],
        Metrics: [
          { Name: 'Latency', Unit: 'Milliseconds' },
          { Name: '4xx', Unit: 'Count' },
          { Name: '5xx', Unit: 'Count' },
          { Name: 'ColdStart' }, // unit None, EMF's default: left out
        ],
      },
    ]);
    expect(typeof line._aws.Timestamp).toBe('number');
    // The line's time is its Timestamp, not written twice (the cold line stays within 512 bytes).
    expect(line).not.toHaveProperty('time');
    expect(line).toMatchObject({ route: 'GET /tasks', '4xx': 0, '5xx': 0, ColdStart: 1 });
    expect(line.Latency).toBe(line.durationMs);
  });

  it('writes ColdStart on the first invocation only', async () => {
    const { call } = route();
    await call();
    const warm = await call();
    expect(warm.ColdStart).toBeUndefined();
    expect(warm._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).not.toContain('ColdStart');
  });

  it.each([
    [404, { '4xx': 1, '5xx': 0 }],
    [500, { '4xx': 0, '5xx': 1 }],
  ])('counts a %i in its status class', async (status, classes) => {
    const line = await route([], status).call();
    expect(line).toMatchObject({ status, ...classes });
  });

  it('logs both request ids: Lambda’s and the HTTP API’s (the access log’s)', async () => {
    const line = await route().call();
    expect(line).toMatchObject({ requestId: 'req-1', apiRequestId: 'apigw-req' });
  });

  it('writes no metrics outside a Gantry service (no GANTRY_SERVICE)', async () => {
    @api('/tasks')
    class Plain {
      @get('/')
      static list(request: HttpRequest) {
        request.metrics.add('Listed', 'Count', 1);
        return {};
      }
    }
    const lines: string[] = [];
    await httpHandler(Plain, 'list', { logger: { write: (l) => lines.push(l) } })(httpEvent(), lambdaContext());
    const line = JSON.parse(lines[0] as string);
    expect(line._aws).toBeUndefined();
    expect(line.Listed).toBeUndefined();
  });
});

describe("a function's own metrics", () => {
  it('joins the kit’s directive when it has no dimensions of its own, and keeps repeated values', async () => {
    const line = await route([
      ['TasksCreated', 'Count', 1],
      ['TasksCreated', 'Count', 2],
      ['PayloadSize', 'Bytes', 512, { resolution: 1 }],
    ]).call();
    expect(line._aws.CloudWatchMetrics).toHaveLength(1);
    expect(line._aws.CloudWatchMetrics[0].Metrics.slice(-2)).toEqual([
      { Name: 'TasksCreated', Unit: 'Count' },
      { Name: 'PayloadSize', Unit: 'Bytes', StorageResolution: 1 },
    ]);
    expect(line).toMatchObject({ TasksCreated: [1, 2], PayloadSize: 512 });
  });

  it('gets a directive of its own for its own dimensions, the kit’s included', async () => {
    const line = await route([['Orders', 'Count', 1, { dimensions: { plan: 'pro' } }]]).call();
    expect(line._aws.CloudWatchMetrics[1]).toEqual({
      Namespace: 'tasks-app/dev',
      Dimensions: [['route', 'plan']],
      Metrics: [{ Name: 'Orders', Unit: 'Count' }],
    });
    expect(line).toMatchObject({ plan: 'pro', Orders: 1 });
  });

  const thirtyOne = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, 'x']));
  it.each<[string, Added, RegExp]>([
    ['31 dimensions', ['Orders', 'Count', 1, { dimensions: thirtyOne }], /31 dimensions/],
    ['a value that is not a number', ['Orders', 'Count', Number('seven')], /finite number, got NaN/],
    ['a unit CloudWatch does not know', ['Orders', 'Items' as MetricUnit, 1], /unit "Items"/],
    ['an empty name', ['', 'Count', 1], /1 to 255 characters/],
    ['a name over 255 characters', ['x'.repeat(256), 'Count', 1], /1 to 255 characters/],
    ['a field of the log line', ['status', 'Count', 1], /field of the kit's log line/],
    ['a kit metric', ['Latency', 'Count', 1], /the kit writes/],
    ['an empty dimension value', ['Orders', 'Count', 1, { dimensions: { plan: '' } }], /non-empty string/],
  ])('refuses %s with a MetricsError naming the rule', async (_, added, message) => {
    @api('/x')
    class Api {
      @get('/')
      static list(request: HttpRequest) {
        request.metrics.add(...added);
        return {};
      }
    }
    const errors: unknown[] = [];
    @api('/y')
    class Catching {
      @get('/')
      static list(request: HttpRequest) {
        try {
          request.metrics.add(...added);
        } catch (error) {
          errors.push(error);
        }
        return {};
      }
    }
    const lines: string[] = [];
    const response = await httpHandler(Api, 'list', { metrics: settings, logger: { write: (l) => lines.push(l) } })(
      httpEvent(),
      lambdaContext(),
    );
    expect(response.statusCode).toBe(500);
    await httpHandler(Catching, 'list', { metrics: settings, logger: { write: () => undefined } })(
      httpEvent(),
      lambdaContext(),
    );
    expect(isMetricsError(errors[0])).toBe(true);
    expect((errors[0] as Error).message).toMatch(message);
  });

  it('refuses two values for one dimension in one line', async () => {
    const { call, lines } = route([
      ['A', 'Count', 1, { dimensions: { plan: 'pro' } }],
      ['B', 'Count', 1, { dimensions: { plan: 'free' } }],
    ]);
    const line = await call();
    expect(line.status).toBe(500);
    const error = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'unhandled error');
    expect(error.error.message).toMatch(/dimension plan is "pro" for another metric/);
  });
});

describe('metrics of queue batches and scheduled runs', () => {
  it('adds Records and FailedRecords with the function dimension to the batch line', async () => {
    const Jobs = queue('jobs');
    class Worker {
      @consumes(Jobs)
      static async work(message: QueueMessage) {
        if (message.messageId === 'bad') throw new Error('no');
      }
    }
    const lines: string[] = [];
    const handler = queueHandler(Worker, 'work', { metrics: settings, logger: { write: (l) => lines.push(l) } });
    await handler({ Records: [sqsRecord('ok', '{}'), sqsRecord('bad', '{}')] }, lambdaContext());
    const batch = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'batch');
    expect(batch).toMatchObject({ function: 'notes-api', Records: 2, FailedRecords: 1, ColdStart: 1 });
    expect(batch._aws.CloudWatchMetrics[0].Dimensions).toEqual([[...KIT_METRICS.batch.dimensions]]);
  });

  it('adds Runs and FailedRuns to the scheduled line, failed or not', async () => {
    let fail = false;
    class Cleanup {
      @schedule('rate(1 hour)')
      static async purge() {
        if (fail) throw new Error('no');
      }
    }
    const lines: string[] = [];
    const handler = scheduledHandler(Cleanup, 'purge', { metrics: settings, logger: { write: (l) => lines.push(l) } });
    await handler({}, lambdaContext());
    fail = true;
    await expect(handler({}, lambdaContext())).rejects.toThrow('no');
    const [ok, failed] = lines.map((l) => JSON.parse(l));
    expect(ok).toMatchObject({ Runs: 1, FailedRuns: 0, ColdStart: 1 });
    expect(failed).toMatchObject({ Runs: 1, FailedRuns: 1 });
    expect(failed.ColdStart).toBeUndefined();
  });
});

describe('metrics of the running invocation, for methods without a request object', () => {
  it("puts a queue consumer's own metrics in its batch line", async () => {
    const Jobs = queue('jobs');
    class Worker {
      @consumes(Jobs)
      static async work() {
        metrics.add('JobsDone', 'Count', 1);
      }
    }
    const lines: string[] = [];
    const handler = queueHandler(Worker, 'work', { metrics: settings, logger: { write: (l) => lines.push(l) } });
    await handler({ Records: [sqsRecord('a', '{}'), sqsRecord('b', '{}')] }, lambdaContext());
    const batch = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'batch');
    expect(batch.JobsDone).toEqual([1, 1]);
    expect(batch._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toContain('JobsDone');
  });

  it('refuses a metric added outside an invocation', () => {
    expect(() => metrics.add('AtLoad', 'Count', 1)).toThrow(/outside an invocation/);
  });
});
