import { accessActions } from '@gantry/decorators';
import type { FunctionAlarmsConfig, StageAlarms, StageOptions } from '../config.js';
import { GantryBuildError } from '../errors.js';
import type { Manifest, ManifestQueue, ManifestTable } from '../manifest.js';
import { fitName, lambdaName, logicalId, pascal } from './names.js';

/**
 * Default thresholds. Metric, statistic, period and datapoints follow CloudWatch's recommended
 * alarms (docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Best_Practice_Recommended_Alarms_AWS_Services.html,
 * as the author knew it, 2025; not re-read online); where AWS says "depends on your situation" the
 * threshold is Gantry's choice, said so in docs/architecture.md ("Operations: alarms and dashboard").
 */
export const ALARM_DEFAULTS = {
  /** AWS/Lambda Errors / Invocations (metric math), Sum, 60 s, 3 of 3; percent. */
  errorRate: 5,
  /** AWS/Lambda Throttles, Sum, 60 s, 5 of 5; alarms above this many a minute. */
  throttles: 0,
  /** AWS/Lambda Duration, p90, 60 s, 15 of 15; share of the function's timeout. */
  durationOfTimeout: 0.8,
  /** AWS/ApiGateway 5xx (ApiId), Average (= the share of requests), 60 s, 3 of 3; percent. */
  apiErrorRate: 5,
  /** AWS/ApiGateway Latency (ApiId), p90, 60 s, 5 of 5; milliseconds (AWS's suggested 2,500). */
  apiLatencyP90Ms: 2_500,
  /** AWS/DynamoDB ReadThrottleEvents + WriteThrottleEvents (TableName), Sum, 60 s, 5 of 5. */
  tableThrottles: 0,
  /** AWS/DynamoDB SystemErrors (TableName, Operation), Sum, 60 s, 15 of 15. */
  tableSystemErrors: 0,
  /** AWS/SQS ApproximateNumberOfMessagesVisible of a dead-letter queue, Maximum, 60 s, 1 of 1. */
  deadLetterMessages: 0,
} as const;

/**
 * AWS/SQS ApproximateAgeOfOldestMessage, Maximum, 60 s, 15 of 15: by default an hour, or half the
 * queue's retention when that is shorter (a message older than its retention is lost).
 */
export const defaultQueueAgeSeconds = (queue: ManifestQueue) => Math.min(3_600, Math.floor(queue.retentionPeriod / 2));

/** osls's default function timeout, when neither the function, custom.gantry nor provider sets one. */
export const OSLS_DEFAULT_TIMEOUT = 6;

/** Logical IDs of the stage-wide resources. */
export const ALARM_TOPIC_ID = 'GantryAlarmTopic';
export const ALARM_TOPIC_KEY_ID = 'GantryAlarmTopicKey';
export const SERVICE_ALARM_ID = 'GantryServiceAlarm';
/** CloudWatch's limit on a composite alarm's rule, in characters. */
const COMPOSITE_RULE_LIMIT = 10_240;

/** One generated alarm, for the package summary and the rehearsal's checks. */
export interface AlarmSpec {
  id: string;
  name: string;
  namespace: string;
  /** The metric it watches (the first of a metric-math expression's). */
  metric: string;
  threshold: number;
  /** CloudWatch charges a metric-math alarm per metric it reads. */
  metricCount: number;
}

export interface AlarmFragment {
  resources: Record<string, Record<string, unknown>>;
  outputs: Record<string, Record<string, unknown>>;
  alarms: AlarmSpec[];
  /** The composite alarm's name. */
  serviceAlarm: string;
  /** Whether Gantry made the topic (and its key) or notifies the one given. */
  topic: 'generated' | 'given';
}

export interface AlarmInputs {
  /** Seconds, by function key: the function's, custom.gantry's, provider's or osls's default. */
  timeouts: Record<string, number>;
  /** The HTTP API's id in the template (osls's `HttpApi`, or provider.httpApi.id). */
  apiId: unknown;
}

/**
 * Manifest + the stage's alarm settings → CloudWatch alarms, one composite alarm, and the topic it
 * notifies. Pure. Only the composite alarm has actions: one incident (a throttled table) trips
 * several alarms (table, function errors, API 5xx), and each would page; the composite pages once
 * and stays in ALARM until every alarm under it is OK. Error-type alarms treat missing data as not
 * breaching: no traffic is no failure. Throws GantryBuildError for settings naming no function.
 */
export function alarmResources(
  manifest: Manifest,
  options: Pick<StageOptions, 'service' | 'stage' | 'region'>,
  settings: StageAlarms,
  inputs: AlarmInputs,
): AlarmFragment {
  checkFunctionNames(manifest, settings);
  const { service, stage } = options;
  const name = (what: string) => fitName(`${service}-${stage}-${what}`, 255);
  const resources: Record<string, Record<string, unknown>> = {};
  const alarms: AlarmSpec[] = [];
  const add = (id: string, spec: Omit<AlarmSpec, 'id'>, properties: Record<string, unknown>) => {
    alarms.push({ id, ...spec });
    resources[id] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { AlarmName: spec.name, ...properties, TreatMissingData: 'notBreaching' },
    };
  };

  for (const fn of manifest.functions) {
    const own = { ...settings, ...settings.functions[fn.name]?.settings } as FunctionAlarmsConfig;
    const functionName = lambdaName(service, stage, fn.name);
    const dimensions = [{ Name: 'FunctionName', Value: functionName }];
    const stem = pascal(fn.name);
    const errorRate = pick(own.errorRate, ALARM_DEFAULTS.errorRate);
    if (errorRate !== false) {
      const alarmName = name(`${fn.name}-error-rate`);
      add(
        logicalId(stem, 'ErrorRateAlarm'),
        { name: alarmName, namespace: 'AWS/Lambda', metric: 'Errors', threshold: errorRate, metricCount: 2 },
        {
          AlarmDescription: `${fn.class}.${fn.method}: more than ${errorRate}% of invocations failed, 3 minutes in a row`,
          Metrics: [
            metricStat('errors', 'AWS/Lambda', 'Errors', dimensions, 'Sum'),
            metricStat('invocations', 'AWS/Lambda', 'Invocations', dimensions, 'Sum'),
            {
              Id: 'rate',
              Expression: 'IF(invocations > 0, 100 * errors / invocations, 0)',
              Label: 'Error rate (%)',
              ReturnData: true,
            },
          ],
          ...evaluation(3, 3),
          Threshold: errorRate,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
    const throttles = pick(own.throttles, ALARM_DEFAULTS.throttles);
    if (throttles !== false) {
      add(
        logicalId(stem, 'ThrottlesAlarm'),
        {
          name: name(`${fn.name}-throttles`),
          namespace: 'AWS/Lambda',
          metric: 'Throttles',
          threshold: throttles,
          metricCount: 1,
        },
        {
          AlarmDescription: `${fn.class}.${fn.method}: throttled (more than ${throttles} a minute, 5 minutes in a row): concurrency is exhausted`,
          ...simpleMetric('AWS/Lambda', 'Throttles', dimensions, { Statistic: 'Sum' }),
          ...evaluation(5, 5),
          Threshold: throttles,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
    const share = pick(own.durationOfTimeout, ALARM_DEFAULTS.durationOfTimeout);
    const timeout = inputs.timeouts[fn.name] ?? OSLS_DEFAULT_TIMEOUT;
    if (share !== false) {
      const thresholdMs = Math.round(timeout * 1000 * share);
      add(
        logicalId(stem, 'DurationAlarm'),
        {
          name: name(`${fn.name}-duration`),
          namespace: 'AWS/Lambda',
          metric: 'Duration',
          threshold: thresholdMs,
          metricCount: 1,
        },
        {
          AlarmDescription: `${fn.class}.${fn.method}: p90 duration above ${Math.round(share * 100)}% of its ${timeout} s timeout for 15 minutes`,
          ...simpleMetric('AWS/Lambda', 'Duration', dimensions, { ExtendedStatistic: 'p90' }),
          ...evaluation(15, 15),
          Threshold: thresholdMs,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
  }

  if (manifest.functions.some((fn) => fn.routes.length > 0)) {
    const dimensions = [{ Name: 'ApiId', Value: inputs.apiId }];
    const apiErrorRate = pick(settings.apiErrorRate, ALARM_DEFAULTS.apiErrorRate);
    if (apiErrorRate !== false) {
      add(
        'GantryApiErrorRateAlarm',
        {
          name: name('api-5xx-rate'),
          namespace: 'AWS/ApiGateway',
          metric: '5xx',
          threshold: apiErrorRate / 100,
          metricCount: 1,
        },
        {
          AlarmDescription: `HTTP API: more than ${apiErrorRate}% of requests answered 5xx, 3 minutes in a row`,
          // 5xx is 1 for a 5xx response and 0 otherwise: its Average is the share of requests.
          ...simpleMetric('AWS/ApiGateway', '5xx', dimensions, { Statistic: 'Average' }),
          ...evaluation(3, 3),
          Threshold: apiErrorRate / 100,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
    const latency = pick(settings.apiLatencyP90Ms, ALARM_DEFAULTS.apiLatencyP90Ms);
    if (latency !== false) {
      add(
        'GantryApiLatencyAlarm',
        {
          name: name('api-latency-p90'),
          namespace: 'AWS/ApiGateway',
          metric: 'Latency',
          threshold: latency,
          metricCount: 1,
        },
        {
          AlarmDescription: `HTTP API: p90 latency above ${latency} ms, 5 minutes in a row`,
          ...simpleMetric('AWS/ApiGateway', 'Latency', dimensions, { ExtendedStatistic: 'p90' }),
          ...evaluation(5, 5),
          Threshold: latency,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
  }

  for (const table of manifest.tables) {
    const stem = pascal(table.name);
    const dimensions = [{ Name: 'TableName', Value: table.tableName }];
    const throttles = pick(settings.tableThrottles, ALARM_DEFAULTS.tableThrottles);
    if (throttles !== false) {
      add(
        logicalId(stem, 'TableThrottlesAlarm'),
        {
          name: name(`${table.name}-table-throttles`),
          namespace: 'AWS/DynamoDB',
          metric: 'ReadThrottleEvents',
          threshold: throttles,
          metricCount: 2,
        },
        {
          AlarmDescription: `Table '${table.name}': requests throttled (read + write, more than ${throttles} a minute, 5 minutes in a row)`,
          Metrics: [
            metricStat('reads', 'AWS/DynamoDB', 'ReadThrottleEvents', dimensions, 'Sum'),
            metricStat('writes', 'AWS/DynamoDB', 'WriteThrottleEvents', dimensions, 'Sum'),
            { Id: 'throttled', Expression: 'reads + writes', Label: 'Throttle events', ReturnData: true },
          ],
          ...evaluation(5, 5),
          Threshold: throttles,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
    const systemErrors = pick(settings.tableSystemErrors, ALARM_DEFAULTS.tableSystemErrors);
    const operations = tableOperations(manifest, table);
    if (systemErrors !== false && operations.length > 0) {
      // SystemErrors is published per operation only: sum the operations the service's functions may call.
      add(
        logicalId(stem, 'TableSystemErrorsAlarm'),
        {
          name: name(`${table.name}-table-system-errors`),
          namespace: 'AWS/DynamoDB',
          metric: 'SystemErrors',
          threshold: systemErrors,
          metricCount: operations.length,
        },
        {
          AlarmDescription: `Table '${table.name}': DynamoDB answered 500 (SystemErrors above ${systemErrors} a minute for 15 minutes)`,
          Metrics: [
            ...operations.map((operation) =>
              metricStat(
                operation.toLowerCase(),
                'AWS/DynamoDB',
                'SystemErrors',
                [...dimensions, { Name: 'Operation', Value: operation }],
                'Sum',
              ),
            ),
            {
              Id: 'errors',
              Expression: operations.map((o) => o.toLowerCase()).join(' + '),
              Label: 'System errors',
              ReturnData: true,
            },
          ],
          ...evaluation(15, 15),
          Threshold: systemErrors,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
  }

  for (const queue of manifest.queues) {
    const stem = pascal(queue.name);
    const age = pick(settings.queueOldestMessageSeconds, defaultQueueAgeSeconds(queue));
    if (age !== false) {
      add(
        logicalId(stem, 'QueueAgeAlarm'),
        {
          name: name(`${queue.name}-oldest-message`),
          namespace: 'AWS/SQS',
          metric: 'ApproximateAgeOfOldestMessage',
          threshold: age,
          metricCount: 1,
        },
        {
          AlarmDescription: `Queue '${queue.name}': a message has waited more than ${age} s for 15 minutes: consumers are failing or too slow`,
          ...simpleMetric('AWS/SQS', 'ApproximateAgeOfOldestMessage', [{ Name: 'QueueName', Value: queue.queueName }], {
            Statistic: 'Maximum',
          }),
          ...evaluation(15, 15),
          Threshold: age,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
    const deadLetters = pick(settings.deadLetterMessages, ALARM_DEFAULTS.deadLetterMessages);
    if (queue.deadLetter && deadLetters !== false) {
      add(
        logicalId(stem, 'DeadLetterAlarm'),
        {
          name: name(`${queue.name}-dead-letters`),
          namespace: 'AWS/SQS',
          metric: 'ApproximateNumberOfMessagesVisible',
          threshold: deadLetters,
          metricCount: 1,
        },
        {
          AlarmDescription: `Queue '${queue.name}': its dead-letter queue holds more than ${deadLetters} messages`,
          ...simpleMetric(
            'AWS/SQS',
            'ApproximateNumberOfMessagesVisible',
            [{ Name: 'QueueName', Value: queue.deadLetter.queueName }],
            { Statistic: 'Maximum' },
          ),
          ...evaluation(1, 1),
          Threshold: deadLetters,
          ComparisonOperator: 'GreaterThanThreshold',
        },
      );
    }
  }

  const topicArn = settings.notify?.topicArn ?? { Ref: ALARM_TOPIC_ID };
  const outputs: Record<string, Record<string, unknown>> = {};
  if (settings.notify?.topicArn === undefined) {
    Object.assign(resources, topicResources(options, settings.notify?.email ?? []));
    outputs.AlarmTopicArn = { Description: "The stage's alarm notifications (SNS topic)", Value: topicArn };
  }
  const serviceAlarm = name('service');
  const rule = alarms.map((alarm) => `ALARM("${alarm.name}")`).join(' OR ');
  if (rule.length > COMPOSITE_RULE_LIMIT) {
    throw new GantryBuildError([
      `serverless.yml › custom.gantry.alarms: the stage's ${alarms.length} alarms make a composite alarm rule of ${rule.length} characters (CloudWatch: at most ${COMPOSITE_RULE_LIMIT}); turn off the alarms you need least (a threshold set to false).`,
    ]);
  }
  if (alarms.length > 0) {
    resources[SERVICE_ALARM_ID] = {
      Type: 'AWS::CloudWatch::CompositeAlarm',
      // The rule names its alarms: CloudFormation must create them first.
      DependsOn: alarms.map((alarm) => alarm.id),
      Properties: {
        AlarmName: serviceAlarm,
        AlarmDescription: `${service} (${stage}): at least one of its ${alarms.length} alarms is in ALARM`,
        AlarmRule: rule,
        ActionsEnabled: true,
        AlarmActions: [topicArn],
        OKActions: [topicArn],
      },
    };
  }
  return {
    resources,
    outputs,
    alarms,
    serviceAlarm,
    topic: settings.notify?.topicArn === undefined ? 'generated' : 'given',
  };
}

/**
 * The stage's topic, encrypted at rest with a key of its own, and its e-mail subscriptions.
 * Not the AWS-managed key alias/aws/sns: its key policy cannot be changed, and CloudWatch needs
 * kms:GenerateDataKey* and kms:Decrypt on the topic's key to publish (AWS's SNS guide, "Enable
 * compatibility between event sources from AWS services and encrypted topics"); with that key the
 * alarms would deploy and deliver nothing. The key costs $1 a month (src/capacity/prices.ts).
 */
function topicResources(options: Pick<StageOptions, 'service' | 'stage'>, emails: string[]) {
  const { service, stage } = options;
  const resources: Record<string, Record<string, unknown>> = {
    [ALARM_TOPIC_KEY_ID]: {
      Type: 'AWS::KMS::Key',
      Properties: {
        Description: `${service} (${stage}): encrypts the alarm topic`,
        EnableKeyRotation: true,
        KeyPolicy: {
          Version: '2012-10-17',
          Statement: [
            {
              // AWS's default key policy: the account (through IAM policies) manages the key. Without
              // it nobody could change or delete the key. In a key policy, Resource "*" is this key.
              Sid: 'AccountManagesKey',
              Effect: 'Allow',
              Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } },
              Action: 'kms:*',
              Resource: '*',
            },
            {
              Sid: 'CloudWatchAlarmsPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
              Resource: '*',
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${service}-${stage}-*`,
                  },
                },
              },
            },
            {
              // Grants of this key only for AWS services (AWS Control Tower's CT.KMS.PR.3).
              Sid: 'GrantsForAwsServicesOnly',
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: 'kms:CreateGrant',
              Resource: '*',
              Condition: {
                BoolIfExists: { 'kms:GrantIsForAWSResource': 'false', 'aws:PrincipalIsAWSService': 'false' },
              },
            },
          ],
        },
      },
    },
    [ALARM_TOPIC_ID]: {
      Type: 'AWS::SNS::Topic',
      Properties: {
        TopicName: fitName(`${service}-${stage}-alarms`, 256),
        DisplayName: `${service} ${stage} alarms`.slice(0, 100),
        KmsMasterKeyId: { Ref: ALARM_TOPIC_KEY_ID },
      },
    },
  };
  emails.forEach((email, index) => {
    resources[`GantryAlarmEmail${index + 1}`] = {
      Type: 'AWS::SNS::Subscription',
      Properties: { TopicArn: { Ref: ALARM_TOPIC_ID }, Protocol: 'email', Endpoint: email },
    };
  });
  return resources;
}

/** DynamoDB operations the service's functions may call on the table (SystemErrors' Operation dimension). */
export function tableOperations(manifest: Manifest, table: ManifestTable): string[] {
  const allowed = new Set(
    manifest.functions.flatMap((fn) =>
      fn.uses.filter((u) => u.table === table.name).flatMap((u) => accessActions(u.access)),
    ),
  );
  const can = (operation: string) => allowed.has(`dynamodb:${operation}`);
  // A transaction is an operation of its own, made of the item actions its role allows.
  const transactGets = can('GetItem');
  const transactWrites = can('PutItem') || can('UpdateItem') || can('DeleteItem');
  return [
    ...['GetItem', 'BatchGetItem', 'Query', 'Scan'].filter(can),
    ...(transactGets ? ['TransactGetItems'] : []),
    ...['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].filter(can),
    ...(transactWrites ? ['TransactWriteItems'] : []),
  ];
}

function checkFunctionNames(manifest: Manifest, settings: StageAlarms): void {
  const known = manifest.functions.map((fn) => fn.name);
  const problems = Object.entries(settings.functions)
    .filter(([name]) => !known.includes(name))
    .map(
      ([name, { at }]) =>
        `serverless.yml › ${at}: the service has no function '${name}'; use a function key (sls gantry routes lists them): ${known.join(', ') || 'none'}.`,
    );
  if (problems.length > 0) throw new GantryBuildError(problems);
}

const pick = <T extends number>(value: number | false | undefined, fallback: T): number | false => value ?? fallback;

const evaluation = (datapoints: number, periods: number) => ({
  EvaluationPeriods: periods,
  DatapointsToAlarm: datapoints,
});

function simpleMetric(namespace: string, metric: string, dimensions: unknown[], stat: Record<string, string>) {
  return { Namespace: namespace, MetricName: metric, Dimensions: dimensions, Period: 60, ...stat };
}

function metricStat(id: string, namespace: string, metric: string, dimensions: unknown[], stat: string) {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: namespace, MetricName: metric, Dimensions: dimensions },
      Period: 60,
      Stat: stat,
    },
    ReturnData: false,
  };
}
