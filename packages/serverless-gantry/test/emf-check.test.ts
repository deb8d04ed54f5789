import { api, get } from '@gantry/decorators';
import { type HttpRequest, httpHandler } from '@gantry/middy';
import { describe, expect, it } from 'vitest';
import { checkEmf } from '../src/offline/run/emf-check.js';

const now = 1_800_000_000_000;
const line = (
  root: Record<string, unknown>,
  directive: Record<string, unknown> = {},
  aws: Record<string, unknown> = {},
) =>
  JSON.stringify({
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        { Namespace: 'app/dev', Dimensions: [['route']], Metrics: [{ Name: 'Hits', Unit: 'Count' }], ...directive },
      ],
      ...aws,
    },
    route: 'GET /x',
    Hits: 1,
    ...root,
  });

describe('checkEmf', () => {
  it('gives one datapoint per metric and dimension set of a valid line', () => {
    const check = checkEmf(line({ plan: 'pro' }, { Dimensions: [['route'], ['route', 'plan']] }), now);
    expect(check).toMatchObject({ emf: true, problems: [] });
    expect(check.datapoints.map((d) => d.dimensions)).toEqual([{ route: 'GET /x' }, { route: 'GET /x', plan: 'pro' }]);
    expect(check.datapoints[0]).toMatchObject({
      namespace: 'app/dev',
      name: 'Hits',
      unit: 'Count',
      value: 1,
      resolution: 60,
    });
  });

  it('leaves lines that are not EMF alone', () => {
    for (const text of ['GET /x 200 1 ms', '{"msg":"hello"}', '{"_aws": broken']) {
      expect(checkEmf(text, now)).toEqual({ emf: false, problems: [], datapoints: [] });
    }
  });

  const wide = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`d${i}`, 'x']));
  it.each<[string, string, RegExp]>([
    ['a timestamp that is a string', line({}, {}, { Timestamp: '2026-12-08' }), /Timestamp must be a number/],
    ['a timestamp three weeks old', line({}, {}, { Timestamp: now - 21 * 86400_000 }), /14 days before/],
    ['no directives', line({}, {}, { CloudWatchMetrics: {} }), /must be an array of metric directives/],
    ['an empty namespace', line({}, { Namespace: '' }), /Namespace must be a string of 1 to 255/],
    ['31 dimensions', line(wide, { Dimensions: [Object.keys(wide)] }), /31 dimensions; at most 30/],
    ['a dimension missing at the root', line({}, { Dimensions: [['plan']] }), /dimension plan needs a string value/],
    ['a dimension whose value is a number', line({ plan: 3 }, { Dimensions: [['plan']] }), /got 3/],
    ['an unknown unit', line({}, { Metrics: [{ Name: 'Hits', Unit: 'Items' }] }), /unit "Items"/],
    ['a resolution of 5', line({}, { Metrics: [{ Name: 'Hits', StorageResolution: 5 }] }), /1 or 60/],
    ['a value that is text', line({ Hits: '1' }), /needs a number or an array of numbers/],
    ['101 values', line({ Hits: Array.from({ length: 101 }, () => 1) }), /101 values; at most 100/],
    [
      '101 metrics',
      line(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`m${i}`, 1])), {
        Metrics: Array.from({ length: 101 }, (_, i) => ({ Name: `m${i}` })),
      }),
      /101 metrics; at most 100/,
    ],
    [
      'a name over 255 characters',
      line({}, { Metrics: [{ Name: 'x'.repeat(256) }] }),
      /Name must be a string of 1 to 255/,
    ],
  ])('refuses %s', (_, text, problem) => {
    const check = checkEmf(text, now);
    expect(check.emf).toBe(true);
    expect(check.problems.join('\n')).toMatch(problem);
    expect(check.datapoints).toEqual([]);
  });

  it("passes every line the kit writes, cold and warm, with a method's own metrics", async () => {
    @api('/x')
    class Api {
      @get('/')
      static read(request: HttpRequest) {
        request.metrics.add('Reads', 'Count', 1);
        request.metrics.add('Size', 'Bytes', 10, { dimensions: { plan: 'pro' }, resolution: 1 });
        return {};
      }
    }
    const lines: string[] = [];
    const handler = httpHandler(Api, 'read', {
      metrics: { namespace: 'app/dev' },
      logger: { write: (l) => lines.push(l) },
    });
    const event = {
      version: '2.0',
      routeKey: 'GET /x',
      rawPath: '/x',
      headers: {},
      requestContext: { http: { method: 'GET' } },
    };
    for (let i = 0; i < 2; i++) await handler(event as never, { awsRequestId: `r${i}` } as never);
    const checks = lines.map((l) => checkEmf(l));
    expect(checks.map((c) => c.problems)).toEqual([[], []]);
    expect(checks[0]?.datapoints.map((d) => d.name)).toEqual(['Latency', '4xx', '5xx', 'ColdStart', 'Reads', 'Size']);
  });
});
