import { describe, expect, it } from 'vitest';
import { resolveStageOptions } from '../src/config.js';
import { generateService } from '../src/generate/service.js';
import { finishTemplate } from '../src/generate/template.js';
import type { Manifest, ManifestFunction } from '../src/manifest.js';

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

const manifest: Manifest = {
  service: 'app',
  stage: 'prod',
  functions: [
    fn({}),
    fn({
      name: 'notes-api-create',
      method: 'create',
      routes: [{ method: 'POST', path: '/notes', pathParameters: [] }],
      config: { timeout: 20 },
    }),
    fn({
      name: 'jobs-worker-run',
      class: 'JobsWorker',
      method: 'run',
      routes: [],
      uses: [],
      triggers: [{ type: 'queue', queue: 'jobs', batchSize: 10, maxBatchingWindow: 0 }],
    }),
  ],
  tables: [
    {
      name: 'notes',
      tableName: 'app-prod-notes',
      envVar: 'GANTRY_TABLE_NOTES',
      partitionKey: { name: 'id', type: 'S' },
      indexes: [],
      source: 'src/tables.ts',
    },
  ],
  queues: [
    {
      name: 'jobs',
      queueName: 'app-prod-jobs',
      envVar: 'GANTRY_QUEUE_JOBS',
      fifo: false,
      visibilityTimeout: 180,
      retentionPeriod: 345_600,
      deadLetter: { maxReceiveCount: 3, queueName: 'app-prod-jobs-dlq' },
      source: 'src/queues.ts',
    },
  ],
};

const generate = (stage: string, config: unknown = {}) =>
  generateService(manifest, resolveStageOptions(config, { service: 'app', stage, region: 'eu-west-1' }), {
    authorizers: [],
    timeout: 10,
  });

type Widget = {
  type: string;
  properties: {
    title?: string;
    region?: string;
    metrics?: unknown[][];
    annotations?: { horizontal: { label: string; value: number }[] };
  };
};

/** What CloudFormation makes of the body's Fn::Sub, parsed as CloudWatch parses it. */
function dashboardBody(resources: Record<string, unknown>): { widgets: Widget[] } {
  const dashboard = resources.GantryDashboard as {
    Type: string;
    Properties: { DashboardBody: { 'Fn::Sub': unknown } };
  };
  expect(dashboard.Type).toBe('AWS::CloudWatch::Dashboard');
  const sub = dashboard.Properties.DashboardBody['Fn::Sub'];
  const [text, variables] = Array.isArray(sub) ? sub : [sub, {}];
  expect(variables).toEqual({ ApiId: { Ref: 'HttpApi' } });
  const values: Record<string, string> = { 'AWS::Region': 'eu-west-1', ApiId: 'a1b2c3' };
  const resolved = String(text).replace(/\$\{(!?)([^}]*)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    const value = values[name];
    if (value === undefined) throw new Error(`Fn::Sub variable \${${name}} has no value`);
    return value;
  });
  return JSON.parse(resolved);
}

const series = (widget: Widget | undefined) =>
  (widget?.properties.metrics ?? []).map((metric) => (metric.at(-1) as { label: string }).label);

describe('dashboard: one per stage, from the Manifest', () => {
  it('a production stage gets one by default, with its URL as an output; another stage none unless set', () => {
    const prod = generate('prod');
    expect(prod.resources.GantryDashboard).toMatchObject({ Properties: { DashboardName: 'app-prod' } });
    expect(prod.outputs.DashboardUrl).toEqual({
      Description: expect.any(String),
      Value: {
        'Fn::Sub':
          'https://${AWS::Region}.console.aws.amazon.com/cloudwatch/home?region=${AWS::Region}#dashboards/dashboard/app-prod',
      },
    });
    expect(prod.operations?.detailedRouteMetrics).toBe(true);
    const dev = generate('dev');
    expect(dev.resources).not.toHaveProperty('GantryDashboard');
    expect(dev.outputs).not.toHaveProperty('DashboardUrl');
    expect(dev.operations?.detailedRouteMetrics).toBe(false);
    expect(generate('dev', { dashboard: true }).resources).toHaveProperty('GantryDashboard');
    expect(generate('prod', { stages: { prod: { dashboard: false } } }).resources).not.toHaveProperty(
      'GantryDashboard',
    );
  });

  it('its body is JSON once CloudFormation substitutes the Region and the API id', () => {
    const { widgets } = dashboardBody(generate('prod').resources);
    const metricWidgets = widgets.filter((w) => w.type === 'metric');
    expect(metricWidgets.length).toBeGreaterThan(0);
    for (const widget of metricWidgets) expect(widget.properties.region).toBe('eu-west-1');
  });

  it('requests, 5xx and p90 latency per route, on the per-route metrics of the API', () => {
    const { widgets } = dashboardBody(generate('prod').resources);
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title);
    for (const title of ['Requests per route', '5xx per route', 'Latency p90 per route (ms)']) {
      expect(series(byTitle(title))).toEqual(['GET /notes/{id}', 'POST /notes']);
    }
    expect(byTitle('Requests per route')?.properties.metrics?.[1]).toEqual([
      'AWS/ApiGateway',
      'Count',
      'ApiId',
      'a1b2c3',
      'Method',
      'POST',
      'Resource',
      '/notes',
      'Stage',
      '$default',
      { stat: 'Sum', label: 'POST /notes' },
    ]);
  });

  it("each function's duration against a line at its own timeout", () => {
    const { widgets } = dashboardBody(generate('prod').resources);
    const timeoutLine = (name: string) =>
      widgets.find((w) => w.properties.title === `${name}: duration (ms) against its timeout`)?.properties.annotations
        ?.horizontal;
    expect(timeoutLine('notes-api-read')).toEqual([{ label: 'timeout', value: 10_000 }]);
    expect(timeoutLine('notes-api-create')).toEqual([{ label: 'timeout', value: 20_000 }]);
    expect(timeoutLine('jobs-worker-run')).toEqual([{ label: 'timeout', value: 10_000 }]);
  });

  it('errors and throttles per function, table throttles, queue age and dead letters', () => {
    const { widgets } = dashboardBody(generate('prod').resources);
    const byTitle = (title: string) => widgets.find((w) => w.properties.title === title);
    expect(series(byTitle('Errors and throttles per function'))).toEqual([
      'notes-api-read errors',
      'notes-api-read throttles',
      'notes-api-create errors',
      'notes-api-create throttles',
      'jobs-worker-run errors',
      'jobs-worker-run throttles',
    ]);
    expect(byTitle('Table throttle events')?.properties.metrics).toEqual([
      ['AWS/DynamoDB', 'ReadThrottleEvents', 'TableName', 'app-prod-notes', { stat: 'Sum', label: 'notes reads' }],
      ['AWS/DynamoDB', 'WriteThrottleEvents', 'TableName', 'app-prod-notes', { stat: 'Sum', label: 'notes writes' }],
    ]);
    expect(series(byTitle('Queues: oldest message (s) and dead letters'))).toEqual([
      'jobs oldest (s)',
      'jobs dead letters',
    ]);
  });
});

describe('dashboard: per-route metrics on the HTTP API stage', () => {
  const template = () => ({
    Resources: {
      HttpApiStage: {
        Type: 'AWS::ApiGatewayV2::Stage',
        Properties: { DefaultRouteSettings: { DetailedMetricsEnabled: false } } as Record<string, unknown>,
      },
      HttpApiRouteGetNotes: { Type: 'AWS::ApiGatewayV2::Route', Properties: { RouteKey: 'GET /notes' } },
    },
  });
  const routes = [{ key: 'GET /notes' }];

  it('turns them on for the stage and each route when the dashboard needs them', () => {
    const compiled = template();
    finishTemplate(compiled, { throttle: undefined, routes, detailedMetrics: true });
    const stage = compiled.Resources.HttpApiStage.Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ DetailedMetricsEnabled: true });
    expect(stage.RouteSettings).toMatchObject({ 'GET /notes': { DetailedMetricsEnabled: true } });
  });

  it('leaves them off otherwise', () => {
    const compiled = template();
    finishTemplate(compiled, { throttle: undefined, routes });
    const stage = compiled.Resources.HttpApiStage.Properties;
    expect(stage.DefaultRouteSettings).toMatchObject({ DetailedMetricsEnabled: false });
    expect(stage.RouteSettings).not.toMatchObject({ 'GET /notes': { DetailedMetricsEnabled: true } });
  });
});
