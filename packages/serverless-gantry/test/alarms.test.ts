import { kitMetricCount } from '@gantry/middy';
import { describe, expect, it } from 'vitest';
import { resolveStageOptions } from '../src/config.js';
import { GantryBuildError } from '../src/errors.js';
import { generateService } from '../src/generate/service.js';
import type { Manifest, ManifestFunction, ManifestQueue, ManifestTable } from '../src/manifest.js';
import { KIT_METRICS_PER, operationsCost, operationsSummary } from '../src/package/operations-summary.js';

const notes: ManifestTable = {
  name: 'notes',
  tableName: 'app-prod-notes',
  envVar: 'GANTRY_TABLE_NOTES',
  partitionKey: { name: 'id', type: 'S' },
  indexes: [],
  source: 'src/tables.ts',
};
const jobs: ManifestQueue = {
  name: 'jobs',
  queueName: 'app-prod-jobs',
  envVar: 'GANTRY_QUEUE_JOBS',
  fifo: false,
  visibilityTimeout: 180,
  retentionPeriod: 345_600,
  deadLetter: { maxReceiveCount: 3, queueName: 'app-prod-jobs-dlq' },
  source: 'src/queues.ts',
};

function fn(overrides: Partial<ManifestFunction>): ManifestFunction {
  return {
    name: 'notes-api-read',
    class: 'NotesApi',
    export: 'NotesApi',
    method: 'read',
    source: 'src/notes.ts',
    routes: [{ method: 'GET', path: '/notes/{id}', pathParameters: ['id'] }],
    uses: [{ table: 'notes', access: 'read' }],
    config: {},
    schemas: {},
    sends: [],
    triggers: [],
    ...overrides,
  };
}

const worker = fn({
  name: 'jobs-worker-run',
  class: 'JobsWorker',
  method: 'run',
  routes: [],
  uses: [{ table: 'notes', access: 'write' }],
  config: { timeout: 30 },
  triggers: [{ type: 'queue', queue: 'jobs', batchSize: 10, maxBatchingWindow: 0 }],
});

const manifest: Manifest = {
  service: 'app',
  stage: 'prod',
  functions: [fn({}), worker],
  tables: [notes],
  queues: [jobs],
};

const generate = (stage: string, config: unknown = {}, existing: { timeout?: number; httpApiId?: unknown } = {}) =>
  generateService(manifest, resolveStageOptions(config, { service: 'app', stage, region: 'eu-west-1' }), {
    authorizers: [],
    ...existing,
  });

type Resource = { Type: string; DependsOn?: string[]; Properties: Record<string, unknown> };
const ofType = (resources: Record<string, unknown>, type: string) =>
  Object.fromEntries(Object.entries(resources).filter(([, r]) => (r as Resource).Type === type)) as Record<
    string,
    Resource
  >;
const alarm = (resources: Record<string, unknown>, id: string) =>
  (resources[id] as Resource | undefined)?.Properties ?? expect.unreachable(`no alarm ${id}`);

describe('alarms: when a stage gets them', () => {
  it('a production stage gets them by default, another stage none', () => {
    expect(Object.keys(ofType(generate('prod').resources, 'AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
    const dev = generate('dev');
    expect(ofType(dev.resources, 'AWS::CloudWatch::Alarm')).toEqual({});
    expect(ofType(dev.resources, 'AWS::CloudWatch::CompositeAlarm')).toEqual({});
    expect(ofType(dev.resources, 'AWS::SNS::Topic')).toEqual({});
    expect(dev.operations?.alarms).toEqual([]);
  });

  it("another stage gets them when its own setting or the service's is true; a production stage loses them with false", () => {
    const dev = generate('dev', { stages: { dev: { alarms: true } } });
    expect(Object.keys(ofType(dev.resources, 'AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
    const serviceWide = generate('dev', { alarms: { errorRate: 1, notify: { email: ['ops@example.com'] } } });
    expect(ofType(serviceWide.resources, 'AWS::CloudWatch::Alarm')).toEqual({});
    const everyStage = generate('dev', { alarms: true });
    expect(Object.keys(ofType(everyStage.resources, 'AWS::CloudWatch::Alarm')).length).toBeGreaterThan(0);
    const prod = generate('prod', { alarms: false });
    expect(ofType(prod.resources, 'AWS::CloudWatch::Alarm')).toEqual({});
    const prodOff = generate('prod', { alarms: { errorRate: 1 }, stages: { prod: { alarms: false } } });
    expect(ofType(prodOff.resources, 'AWS::CloudWatch::Alarm')).toEqual({});
  });
});

describe('alarms: what each watches, from the Manifest', () => {
  const { resources } = generate('prod', {}, { timeout: 10 });

  it('per function: the error rate as Errors / Invocations, over 5% for 3 of 3 minutes, no data not breaching', () => {
    const rate = alarm(resources, 'NotesApiReadErrorRateAlarm');
    const dimensions = [{ Name: 'FunctionName', Value: 'app-prod-notes-api-read' }];
    expect(rate).toMatchObject({
      AlarmName: 'app-prod-notes-api-read-error-rate',
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: 'notBreaching',
      Metrics: [
        {
          Id: 'errors',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: dimensions },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        {
          Id: 'invocations',
          MetricStat: {
            Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: dimensions },
            Period: 60,
            Stat: 'Sum',
          },
          ReturnData: false,
        },
        { Id: 'rate', Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)', ReturnData: true },
      ],
    });
    expect(rate).not.toHaveProperty('AlarmActions');
  });

  it('per function: any throttle, 5 of 5 minutes', () => {
    expect(alarm(resources, 'NotesApiReadThrottlesAlarm')).toMatchObject({
      AlarmName: 'app-prod-notes-api-read-throttles',
      Namespace: 'AWS/Lambda',
      MetricName: 'Throttles',
      Statistic: 'Sum',
      Period: 60,
      Threshold: 0,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      TreatMissingData: 'notBreaching',
    });
  });

  it("per function: p90 duration above 80% of its own timeout (the function's, else provider.timeout)", () => {
    expect(alarm(resources, 'NotesApiReadDurationAlarm')).toMatchObject({
      MetricName: 'Duration',
      ExtendedStatistic: 'p90',
      Threshold: 8_000, // provider.timeout 10 s
      EvaluationPeriods: 15,
      DatapointsToAlarm: 15,
    });
    expect(alarm(resources, 'JobsWorkerRunDurationAlarm')).toMatchObject({ Threshold: 24_000 }); // @fn timeout 30 s
    const osls = generate('prod').resources;
    expect(alarm(osls, 'NotesApiReadDurationAlarm')).toMatchObject({ Threshold: 4_800 }); // osls's 6 s
  });

  it("per HTTP API: the 5xx share and p90 latency on osls's HttpApi, or the given API", () => {
    const dimensions = [{ Name: 'ApiId', Value: { Ref: 'HttpApi' } }];
    expect(alarm(resources, 'GantryApiErrorRateAlarm')).toMatchObject({
      AlarmName: 'app-prod-api-5xx-rate',
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: dimensions,
      Statistic: 'Average',
      Threshold: 0.05,
      EvaluationPeriods: 3,
    });
    expect(alarm(resources, 'GantryApiLatencyAlarm')).toMatchObject({
      MetricName: 'Latency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p90',
      Threshold: 2_500,
      EvaluationPeriods: 5,
    });
    const given = generate('prod', {}, { httpApiId: 'abc123' }).resources;
    expect(alarm(given, 'GantryApiLatencyAlarm').Dimensions).toEqual([{ Name: 'ApiId', Value: 'abc123' }]);
  });

  it('per table: read + write throttle events, and SystemErrors of exactly the operations its functions may call', () => {
    expect(alarm(resources, 'NotesTableThrottlesAlarm')).toMatchObject({
      AlarmName: 'app-prod-notes-table-throttles',
      Metrics: [
        {
          MetricStat: {
            Metric: { MetricName: 'ReadThrottleEvents', Dimensions: [{ Name: 'TableName', Value: 'app-prod-notes' }] },
          },
        },
        { MetricStat: { Metric: { MetricName: 'WriteThrottleEvents' } } },
        { Expression: 'reads + writes' },
      ],
    });
    const systemErrors = alarm(resources, 'NotesTableSystemErrorsAlarm').Metrics as {
      MetricStat?: { Metric: { Dimensions: { Name: string; Value: string }[] } };
    }[];
    const operations = systemErrors.flatMap(
      (m) => m.MetricStat?.Metric.Dimensions.find((d) => d.Name === 'Operation')?.Value ?? [],
    );
    // read (notes-api-read) and write (jobs-worker-run): both kinds, and CloudWatch's limit of 10 metrics.
    expect(operations.sort()).toEqual([
      'BatchGetItem',
      'BatchWriteItem',
      'DeleteItem',
      'GetItem',
      'PutItem',
      'Query',
      'Scan',
      'TransactGetItems',
      'TransactWriteItems',
      'UpdateItem',
    ]);
    const readOnly = generateService(
      { ...manifest, functions: [fn({})], queues: [] },
      resolveStageOptions({}, { service: 'app', stage: 'prod', region: 'eu-west-1' }),
      { authorizers: [] },
    ).resources;
    expect((alarm(readOnly, 'NotesTableSystemErrorsAlarm').Metrics as unknown[]).length).toBe(5 + 1);
  });

  it('per queue: the oldest message, and a dead-letter queue that is not empty', () => {
    expect(alarm(resources, 'JobsQueueAgeAlarm')).toMatchObject({
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [{ Name: 'QueueName', Value: 'app-prod-jobs' }],
      Statistic: 'Maximum',
      Threshold: 3_600,
    });
    expect(alarm(resources, 'JobsDeadLetterAlarm')).toMatchObject({
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: 'app-prod-jobs-dlq' }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
    });
  });
});

describe('alarms: one composite alarm pages, through the stage topic', () => {
  it('names every alarm in its rule, waits for them, and is the only one with actions', () => {
    const { resources } = generate('prod');
    const alarms = ofType(resources, 'AWS::CloudWatch::Alarm');
    const composite = resources.GantryServiceAlarm as Resource;
    expect(composite.Type).toBe('AWS::CloudWatch::CompositeAlarm');
    expect(composite.Properties.AlarmName).toBe('app-prod-service');
    expect(composite.Properties.AlarmRule).toBe(
      Object.values(alarms)
        .map((a) => `ALARM("${a.Properties.AlarmName}")`)
        .join(' OR '),
    );
    expect(composite.DependsOn?.sort()).toEqual(Object.keys(alarms).sort());
    expect(composite.Properties.AlarmActions).toEqual([{ Ref: 'GantryAlarmTopic' }]);
    expect(composite.Properties.OKActions).toEqual([{ Ref: 'GantryAlarmTopic' }]);
    for (const child of Object.values(alarms)) {
      expect(child.Properties).not.toHaveProperty('AlarmActions');
      expect(String(child.Properties.AlarmName)).toMatch(/^app-prod-/);
    }
  });

  it('the topic is encrypted with its own key, which CloudWatch may use for these alarms only', () => {
    const { resources, outputs } = generate('prod', {
      stages: { prod: { alarms: { notify: { email: ['ops@example.com'] } } } },
    });
    expect((resources.GantryAlarmTopic as Resource).Properties).toMatchObject({
      TopicName: 'app-prod-alarms',
      KmsMasterKeyId: { Ref: 'GantryAlarmTopicKey' },
    });
    const key = (resources.GantryAlarmTopicKey as Resource).Properties;
    expect(key.EnableKeyRotation).toBe(true);
    const statements = (key.KeyPolicy as { Statement: Record<string, unknown>[] }).Statement;
    const cloudWatch = statements.find(
      (s) => (s.Principal as { Service?: string }).Service === 'cloudwatch.amazonaws.com',
    );
    expect(cloudWatch).toMatchObject({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: {
        ArnLike: {
          'aws:SourceArn': {
            'Fn::Sub': 'arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:app-prod-*',
          },
        },
      },
    });
    expect(ofType(resources, 'AWS::SNS::Subscription')).toEqual({
      GantryAlarmEmail1: {
        Type: 'AWS::SNS::Subscription',
        Properties: { TopicArn: { Ref: 'GantryAlarmTopic' }, Protocol: 'email', Endpoint: 'ops@example.com' },
      },
    });
    expect(outputs.AlarmTopicArn).toEqual({ Description: expect.any(String), Value: { Ref: 'GantryAlarmTopic' } });
  });

  it('notifies a given topic instead, making none', () => {
    const topicArn = 'arn:aws:sns:eu-west-1:123456789012:pager';
    const { resources } = generate('prod', { alarms: { notify: { topicArn } } });
    expect(ofType(resources, 'AWS::SNS::Topic')).toEqual({});
    expect(ofType(resources, 'AWS::KMS::Key')).toEqual({});
    expect((resources.GantryServiceAlarm as Resource).Properties.AlarmActions).toEqual([topicArn]);
  });
});

describe('alarms: thresholds per stage and per function', () => {
  const config = {
    alarms: { errorRate: 2, apiLatencyP90Ms: 1_000, functions: { 'notes-api-read': { throttles: false } } },
    stages: {
      prod: {
        alarms: {
          apiLatencyP90Ms: 800,
          deadLetterMessages: false,
          functions: { 'jobs-worker-run': { durationOfTimeout: 0.5 } },
        },
      },
      qa: { alarms: true },
    },
  };

  it("the stage's setting wins over the service's, a function's over both; false removes the alarm", () => {
    const { resources } = generate('prod', config);
    expect(alarm(resources, 'NotesApiReadErrorRateAlarm').Threshold).toBe(2);
    expect(alarm(resources, 'GantryApiLatencyAlarm').Threshold).toBe(800);
    expect(resources).not.toHaveProperty('NotesApiReadThrottlesAlarm');
    expect(resources).toHaveProperty('JobsWorkerRunThrottlesAlarm');
    expect(resources).not.toHaveProperty('JobsDeadLetterAlarm');
    expect(alarm(resources, 'JobsWorkerRunDurationAlarm').Threshold).toBe(15_000);
    expect(alarm(resources, 'NotesApiReadDurationAlarm').Threshold).toBe(4_800);
    const qa = generate('qa', config).resources;
    expect(alarm(qa, 'GantryApiLatencyAlarm').Threshold).toBe(1_000);
    expect(alarm(qa, 'JobsWorkerRunDurationAlarm').Threshold).toBe(24_000);
    expect(qa).toHaveProperty('JobsDeadLetterAlarm');
  });

  it('a setting for a function the service does not have fails the build, naming where it is written', () => {
    const run = () =>
      generate('prod', { stages: { prod: { alarms: { functions: { 'notes-api-raed': { errorRate: 1 } } } } } });
    expect(run).toThrow(GantryBuildError);
    expect(run).toThrow(
      "serverless.yml › custom.gantry.stages.prod.alarms.functions.notes-api-raed: the service has no function 'notes-api-raed'; use a function key (sls gantry routes lists them): notes-api-read, jobs-worker-run.",
    );
  });

  it("a service too large for one composite alarm's rule fails the build, saying how to fix it", () => {
    const many = Array.from({ length: 80 }, (_, i) =>
      fn({ name: `a-rather-long-function-name-${i}`, routes: [], uses: [] }),
    );
    const options = resolveStageOptions({}, { service: 'app', stage: 'prod', region: 'eu-west-1' });
    const run = () =>
      generateService({ ...manifest, functions: many, tables: [], queues: [] }, options, { authorizers: [] });
    expect(run).toThrow(/composite alarm rule of \d+ characters \(CloudWatch: at most 10240\); turn off/);
    const fewer = resolveStageOptions(
      { alarms: { throttles: false } },
      { service: 'app', stage: 'prod', region: 'eu-west-1' },
    );
    expect(() =>
      generateService({ ...manifest, functions: many, tables: [], queues: [] }, fewer, { authorizers: [] }),
    ).not.toThrow();
  });

  it('a threshold out of range fails the build at the config', () => {
    expect(() => generate('prod', { alarms: { errorRate: 150 } })).toThrow(/custom\.gantry\.alarms\.errorRate/);
    expect(() => generate('prod', { alarms: { errRate: 1 } })).toThrow(/custom\.gantry\.alarms/);
  });
});

describe('sls package: what watching a stage costs', () => {
  it("counts the kit's custom metrics as the kit defines them", () => {
    expect(KIT_METRICS_PER.route).toBe(kitMetricCount('http'));
    expect(KIT_METRICS_PER.eventFunction).toBe(kitMetricCount('batch'));
    expect(KIT_METRICS_PER.eventFunction).toBe(kitMetricCount('scheduled'));
  });

  it('prices alarms per metric read, the composite, the key, the dashboard and custom metrics', () => {
    const prod = generate('prod');
    const operations = prod.operations ?? expect.unreachable();
    const cost = operationsCost(manifest, operations);
    // Alarms: 2 functions × (error rate 2 + throttles 1 + duration 1) + API 1 + 1 + table 2 + 10 + queue 1 + 1.
    expect(cost.alarms).toBe(2 * 3 + 2 + 2 + 2);
    expect(cost.alarmMetrics).toBe(2 * 4 + 2 + 12 + 2);
    // The kit's metrics: one route and one queue consumer (their numbers are the kit's, pinned above).
    const kitMetrics = KIT_METRICS_PER.route + KIT_METRICS_PER.eventFunction;
    expect(cost).toMatchObject({ composite: 1, dashboards: 1, kmsKeys: 1, kitMetrics, routeMetrics: 6 });
    const total = 24 * 0.1 + 0.5 + 3 + 1 + (kitMetrics + 6) * 0.3;
    expect(cost.usd.total).toBeCloseTo(total, 6);
    const lines = operationsSummary('prod', manifest, operations);
    expect(lines.join('\n')).toContain(
      'gantry: stage prod gets 12 alarms reading 24 metrics ($2.40) and one composite alarm ($0.50) that notifies its own topic (no subscription: set custom.gantry.alarms.notify.email)',
    );
    expect(lines.at(-1)).toBe(
      `gantry: watching stage prod costs $${total.toFixed(2)} a month at us-east-1 list prices of 2025-06`,
    );
    const dev = operationsSummary('dev', manifest, generate('dev').operations ?? expect.unreachable());
    expect(dev[0]).toBe('gantry: stage dev has no alarms (custom.gantry.alarms; on by default on production stages)');
    expect(dev.at(-1)).toBe(
      `gantry: watching stage dev costs $${(kitMetrics * 0.3).toFixed(2)} a month at us-east-1 list prices of 2025-06`,
    );
  });
});
