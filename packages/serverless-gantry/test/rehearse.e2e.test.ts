import { copyFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sls } from './support/serverless.js';
import { exclusivePackaging } from './support/service-lock.js';
import { tempService } from './support/temp-service.js';

// The real `sls gantry rehearse`: moto (preinstalled with pip on this machine image and in CI) with
// Gantry's bridges, the real `sls deploy` / `info` / `remove` of the root service, checks through the
// AWS SDK. Each rehearsal takes minutes on a busy machine: the limits only guard against a hang.
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..', '..');
const REHEARSAL_MS = 15 * 60_000;

const checkLines = (output: string) => output.split('\n').filter((l) => /^[✔✘] /.test(l));

/** Rehearses a stage that must pass: no check fails (the output shown if one does), exit 0. */
async function rehearsePassing(dir: string, stage: string) {
  const { code, stdout, stderr } = await exclusivePackaging(dir, () =>
    sls(dir, ['gantry', 'rehearse', '--stage', stage]),
  );
  const lines = checkLines(stdout);
  expect(
    lines.filter((l) => l.startsWith('✘')),
    stdout + stderr,
  ).toEqual([]);
  expect(code).toBe(0);
  return { lines, stdout };
}

// The root service declares custom.gantry.userPool: a Cognito pool, client and domain that stock
// moto 5.2.1 cannot create from a template (bridge 7 in emulator/moto-with-bridges.py).
const USER_POOL_LINES = (service: string, stage: string) => [
  `✔ user pool ${service}-${stage}: deletion protection`,
  `✔ user pool ${service}-${stage}: self sign-up on`,
  `✔ app client ${service}-${stage}-web: public (no secret)`,
  `✔ app client ${service}-${stage}-web: authorization code flow`,
  `✔ app client ${service}-${stage}-web: scopes`,
  `✔ app client ${service}-${stage}-web: callback URLs`,
  `✔ user pool domain ${service}-${stage}-123456789012: the pool's`,
  "✔ JWT authorizer users: issuer is the pool's",
  '✔ JWT authorizer users: audience is the app client',
  '✔ output UserPoolIssuerUrl: the pool’s issuer',
  '✔ output UserPoolClientId: the app client',
  '✔ output SignInUrl: the domain’s managed sign-in',
  `✔ function ${service}-${stage}-web-page: GANTRY_OIDC_ISSUER is the pool's issuer`,
  `✔ function ${service}-${stage}-web-page: GANTRY_OIDC_CLIENT_ID is the app client`,
  `✔ function ${service}-${stage}-web-page: environment`,
  `✔ after update: app client ${service}-${stage}-web: callback URLs`,
];

describe('sls gantry rehearse', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it(
    'rehearses the root service on a dev stage: every check holds and remove leaves nothing',
    async () => {
      const { lines, stdout } = await rehearsePassing(repoRoot, 'dev');
      expect(lines).toEqual(
        expect.arrayContaining([
          '✔ table gantry-example-dev-tasks: point-in-time recovery',
          '✔ role gantry-example-dev-tasks-api-list-us-east-1: policy TasksApiListPolicy',
          '✔ route GET /lists/{listId}/tasks: integration → gantry-example-dev-tasks-api-list (payload 2.0)',
          '✔ log group /aws/lambda/gantry-example-dev-tasks-api-list: retention',
          '✔ function gantry-example-dev-tasks-api-list: GET /lists/{listId}/tasks with its role → 200',
          '✔ role of gantry-example-dev-tasks-api-list: dynamodb:PutItem on gantry-example-dev-tasks denied',
          '✔ role of gantry-example-dev-tasks-api-create: dynamodb:PutItem on gantry-example-dev-tasks allowed',
          '✔ after update: function gantry-example-dev-tasks-api-list runs the new revision',
          '✔ after update: table gantry-example-dev-tasks: keys',
          '✔ after remove: tables (retained: 0)',
          '✔ after remove: roles',
          // Its user pool (the tasks-app's users), removed with the stack on a dev stage.
          ...USER_POOL_LINES('gantry-example', 'dev'),
          expect.stringMatching(/^✔ user pool gantry-example-dev: exists \(us-east-1_\w+\)$/),
          '✔ after remove: user pools (retained: 0)',
        ]),
      );
      expect(stdout).toMatch(/gantry rehearse --stage dev: (\d+) of \1 checks hold/);
      // The tasks-app's events: a queue with its dead-letter queue, its consumer and its sender, a
      // change consumer on the tasks table, a nightly schedule; each deployed as the Manifest says,
      // each consumer run with its own role, each role's access to queues, stream and functions probed.
      expect(lines).toEqual(
        expect.arrayContaining([
          '✔ table gantry-example-dev-tasks: stream',
          '✔ queue gantry-example-dev-clear-done: visibility timeout',
          '✔ queue gantry-example-dev-clear-done: redrive to gantry-example-dev-clear-done-dlq after 5 receives',
          '✔ dead-letter queue gantry-example-dev-clear-done-dlq: retention',
          '✔ mapping queue gantry-example-dev-clear-done → gantry-example-dev-list-work-clear: state Enabled, batch 10, window 0, max concurrency unset, responses ReportBatchItemFailures',
          '✔ mapping stream of gantry-example-dev-tasks → gantry-example-dev-list-work-count: state Enabled, batch 100, start LATEST, retries -1, on failure none, responses ReportBatchItemFailures',
          '✔ schedule gantry-example-dev-list-work-purge: cron(0 3 * * ? *) in UTC, no flexible window',
          '✔ schedule gantry-example-dev-list-work-purge: ENABLED (stage dev)',
          '✔ schedule gantry-example-dev-list-work-purge: invokes gantry-example-dev-list-work-purge through gantry-example-dev-list-work-purge-schedule-us-east-1',
          '✔ scheduler role gantry-example-dev-list-work-purge-schedule-us-east-1: trust',
          '✔ scheduler role gantry-example-dev-list-work-purge-schedule-us-east-1: policy InvokeFunction',
          "✔ output ClearDoneQueueUrl: the queue's URL",
          '✔ function gantry-example-dev-lists-clear-done: DELETE /lists/{listId}/done with its role → 202',
          '✔ function gantry-example-dev-list-work-clear: a batch from gantry-example-dev-clear-done, received and deleted with its role → 1 message done',
          expect.stringMatching(
            /^✔ function gantry-example-dev-list-work-count: changes of gantry-example-dev-tasks, read from its stream with its role → \d+ records? done$/,
          ),
          expect.stringMatching(
            /^✔ function gantry-example-dev-list-work-purge: schedule gantry-example-dev-list-work-purge's event, with its role → returned /,
          ),
          '✔ role of gantry-example-dev-lists-clear-done: sqs:SendMessage on gantry-example-dev-clear-done allowed',
          '✔ role of gantry-example-dev-list-work-clear: sqs:SendMessage on gantry-example-dev-clear-done denied',
          '✔ role of gantry-example-dev-list-work-clear: sqs:DeleteMessage on gantry-example-dev-clear-done allowed',
          '✔ role of gantry-example-dev-list-work-clear: sqs:ReceiveMessage on gantry-example-dev-clear-done-dlq denied',
          '✔ role of gantry-example-dev-lists-clear-done: sqs:ReceiveMessage on gantry-example-dev-clear-done denied',
          '✔ role of gantry-example-dev-list-work-count: dynamodb:GetRecords on the stream of gantry-example-dev-tasks allowed',
          '✔ role of gantry-example-dev-list-work-clear: dynamodb:GetRecords on the stream of gantry-example-dev-tasks denied',
          '✔ scheduler role gantry-example-dev-list-work-purge-schedule-us-east-1: lambda:InvokeFunction on gantry-example-dev-list-work-purge allowed',
          '✔ scheduler role gantry-example-dev-list-work-purge-schedule-us-east-1: lambda:InvokeFunction on gantry-example-dev-list-work-clear denied',
          '✔ after update: mapping queue gantry-example-dev-clear-done → gantry-example-dev-list-work-clear: state Enabled, batch 10, window 0, max concurrency unset, responses ReportBatchItemFailures',
          '✔ after remove: queues',
          '✔ after remove: event source mappings',
          '✔ after remove: schedules',
        ]),
      );
      // Every consumer ran: none was left without a message or a change to run on.
      expect(stdout).not.toMatch(/^– /m);
    },
    REHEARSAL_MS,
  );

  it(
    'rehearses the root service on the prod stage: protected tables with PITR and a protected user pool, kept after remove, nothing else; alarms and a dashboard',
    async () => {
      const { lines } = await rehearsePassing(repoRoot, 'prod');
      expect(lines).toEqual(
        expect.arrayContaining([
          '✔ table gantry-example-prod-tasks: deletion protection',
          '✔ table gantry-example-prod-tasks: point-in-time recovery',
          '✔ after update: table gantry-example-prod-tasks: point-in-time recovery',
          // Both tables (tasks, and counts kept from the tasks' changes) are data: retained.
          '✔ after remove: tables (retained: 2)',
          '✔ after remove: functions',
          '✔ after remove: log groups',
          '✔ schedule gantry-example-prod-list-work-purge: ENABLED (stage prod, production)',
          '✔ after remove: queues',
          '✔ after remove: schedules',
          // Operations (issue 22): alarms, the composite alarm, its topic and the dashboard.
          '✔ composite alarm gantry-example-prod-service: ANY of the alarms',
          "✔ composite alarm gantry-example-prod-service: notifies the stage's topic",
          '✔ dashboard gantry-example-prod: JSON naming every route, function and table',
          '✔ alarm gantry-example-prod-api-latency-p90: AWS/ApiGateway Latency above 2500, no actions of its own',
          // A protected user pool, kept after remove.
          ...USER_POOL_LINES('gantry-example', 'prod'),
          '✔ after remove: user pools (retained: 1)',
        ]),
      );
      expect(
        lines.filter((l) => /^✔ alarm gantry-example-prod-.*, no actions of its own$/.test(l)).length,
      ).toBeGreaterThan(5);
      expect(
        lines.filter((l) =>
          /^✔ alarm topic arn:aws:sns:.*:gantry-example-prod-alarms: (encrypted with the stage's key|e-mail subscriptions)$/.test(
            l,
          ),
        ),
      ).toHaveLength(2);
    },
    REHEARSAL_MS,
  );

  it(
    'rehearses a service with a JWT authorizer, hand-written functions and statements, and one zip for all',
    async () => {
      const { lines } = await rehearsePassing(join(here, 'fixtures', 'accounts'), 'dev');
      expect(lines).toEqual(
        expect.arrayContaining([
          '✔ route GET /accounts/{tenant}/{id}: JWT authorizer jwt',
          '✔ route GET /accounts/health: public',
          "✔ HTTP API: the Manifest's 4 routes",
        ]),
      );
      expect(lines.filter((l) => / with its role → 200$/.test(l))).toHaveLength(4);
    },
    REHEARSAL_MS,
  );

  it(
    'fails and names the resource when a generated resource is broken (a wrong Fn::GetAtt attribute)',
    async () => {
      const fixture = join(here, 'fixtures');
      const service = await tempService({
        'serverless.yml': `service: rehearse-broken
frameworkVersion: '4'
provider:
  name: aws
  runtime: nodejs22.x
plugins:
  - serverless-gantry
  - serverless-esbuild
  - ./break-get-att.cjs
custom:
  gantry:
    handlers: src/**/*.ts
  esbuild:
    bundle: true
    target: node22
    exclude: ['@aws-sdk/*']
`,
        'src/notes.ts': await readFile(join(fixture, 'notes', 'src', 'notes.ts'), 'utf8'),
        'src/tables.ts': await readFile(join(fixture, 'notes', 'src', 'tables.ts'), 'utf8'),
      });
      cleanups.push(service.remove);
      await copyFile(join(fixture, 'rehearse', 'break-get-att.cjs'), join(service.dir, 'break-get-att.cjs'));

      const { code, stdout } = await sls(service.dir, ['gantry', 'rehearse', '--stage', 'dev']);

      expect(code).toBe(1);
      const failed = checkLines(stdout).filter((l) => l.startsWith('✘'));
      expect(failed[0]).toMatch(/^✘ sls deploy: /);
      expect(stdout).toMatch(
        /E1010 at Resources\/NotesDashapiDash\w+LambdaFunction\/Properties\/Role\/Fn::GetAtt\/1: 'Arnn'/,
      );
    },
    REHEARSAL_MS,
  );

  it('without the emulator, says how to install it and exits 1', async () => {
    const { code, stdout, stderr } = await sls(repoRoot, ['gantry', 'rehearse', '--stage', 'dev'], {
      GANTRY_PYTHON: join(here, 'no-such-python3'),
    });
    expect(code).toBe(1);
    expect(stdout + stderr).toContain("pip install 'moto[server]'");
    expect(stdout + stderr).not.toMatch(/\n\s+at /);
  });
});
