import { DescribeAlarmsCommand, GetDashboardCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { GetTopicAttributesCommand, ListSubscriptionsByTopicCommand } from '@aws-sdk/client-sns';
import { SERVICE_ALARM_ID } from '../generate/alarms.js';
import { lambdaName } from '../generate/names.js';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual, fail, pass, probe } from './check.js';
import type { Expected } from './expected.js';

/**
 * The stage's alarms, composite alarm, alarm topic and dashboard as CloudWatch and SNS hold them,
 * against what Gantry generated from the Manifest: each alarm's name, metric, threshold and that it
 * has no actions; the composite alarm's rule and actions; the topic's key and e-mail subscriptions;
 * the dashboard's body naming every route and function. Alarms' states are not checked: the
 * emulator evaluates none (docs/deploy.md).
 */
export async function checkOperations(
  aws: AwsClients,
  expected: Expected,
  outputs: Record<string, string>,
): Promise<Check[]> {
  const operations = expected.fragment.operations;
  if (!operations) return [];
  const checks: Check[] = [];
  if (operations.alarms.length > 0) {
    checks.push(
      ...(await probe('alarms', async () => {
        const names = operations.alarms.map((a) => a.name);
        const found = await describeMetricAlarms(aws, names);
        return operations.alarms.map((spec) => {
          const label = `alarm ${spec.name}`;
          const alarm = found.get(spec.name);
          if (!alarm) return fail(label, 'not found');
          const metric = alarm.MetricName ?? alarm.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric?.MetricName;
          return expectEqual(
            `${label}: ${spec.namespace} ${spec.metric} above ${spec.threshold}, no actions of its own`,
            { metric, threshold: alarm.Threshold, actions: alarm.AlarmActions ?? [] },
            { metric: spec.metric, threshold: spec.threshold, actions: [] },
          );
        });
      })),
    );
  }
  const topicArn = operations.topic === 'given' ? expected.options.alarms?.notify?.topicArn : outputs.AlarmTopicArn;
  if (operations.serviceAlarm) {
    const name = operations.serviceAlarm;
    checks.push(
      ...(await probe(`composite alarm ${name}`, async () => {
        const result = await aws.cloudWatch.send(
          new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['CompositeAlarm'] }),
        );
        const composite = result.CompositeAlarms?.[0];
        if (!composite) return fail(`composite alarm ${name}`, 'not found');
        const resource = expected.fragment.resources[SERVICE_ALARM_ID] as { Properties: { AlarmRule: string } };
        return [
          expectEqual(`composite alarm ${name}: ANY of the alarms`, composite.AlarmRule, resource.Properties.AlarmRule),
          expectEqual(`composite alarm ${name}: notifies the stage's topic`, composite.AlarmActions, [topicArn]),
        ];
      })),
    );
  }
  if (operations.topic === 'generated') {
    const label = `alarm topic ${topicArn ?? '(no AlarmTopicArn output)'}`;
    checks.push(
      ...(await probe(label, async () => {
        if (!topicArn) return fail(label, 'the stack has no AlarmTopicArn output');
        const attributes = (await aws.sns.send(new GetTopicAttributesCommand({ TopicArn: topicArn }))).Attributes ?? {};
        const subscriptions =
          (await aws.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
        return [
          attributes.KmsMasterKeyId
            ? pass(`${label}: encrypted with the stage's key`)
            : fail(`${label}: encrypted with the stage's key`, 'no KmsMasterKeyId'),
          expectEqual(
            `${label}: e-mail subscriptions`,
            subscriptions.map((s) => `${s.Protocol}:${s.Endpoint}`).sort(),
            operations.emails.map((e) => `email:${e}`).sort(),
          ),
        ];
      })),
    );
  }
  if (operations.dashboard) {
    const name = operations.dashboard;
    checks.push(
      ...(await probe(`dashboard ${name}`, async () => {
        const body = (await aws.cloudWatch.send(new GetDashboardCommand({ DashboardName: name }))).DashboardBody;
        const text = JSON.stringify(JSON.parse(body ?? 'null'));
        const { service, stage } = expected.options;
        const missing = [
          ...expected.manifest.functions.flatMap((fn) => fn.routes.map((r) => `${r.method} ${r.path}`)),
          ...expected.manifest.functions.map((fn) => lambdaName(service, stage, fn.name)),
          ...expected.manifest.tables.map((t) => t.tableName),
        ].filter((wanted) => !text.includes(JSON.stringify(wanted).slice(1, -1)));
        return missing.length === 0
          ? pass(`dashboard ${name}: JSON naming every route, function and table`)
          : fail(`dashboard ${name}: JSON naming every route, function and table`, `missing ${missing.join(', ')}`);
      })),
    );
  }
  return checks;
}

/** DescribeAlarms takes at most 100 names a call. */
async function describeMetricAlarms(aws: AwsClients, names: string[]): Promise<Map<string, MetricAlarm>> {
  const found = new Map<string, MetricAlarm>();
  for (let i = 0; i < names.length; i += 100) {
    const result = await aws.cloudWatch.send(
      new DescribeAlarmsCommand({ AlarmNames: names.slice(i, i + 100), AlarmTypes: ['MetricAlarm'] }),
    );
    for (const alarm of result.MetricAlarms ?? []) if (alarm.AlarmName) found.set(alarm.AlarmName, alarm);
  }
  return found;
}
