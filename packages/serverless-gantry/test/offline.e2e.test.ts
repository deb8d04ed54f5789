import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Deployment, resolveIntrinsics, resourcesOfType } from './support/cfn.js';
import { simulate } from './support/iam.js';
import { type OfflineRun, startOffline } from './support/offline.js';
import { type CfnTemplate, packageService } from './support/serverless.js';

const cwd = fileURLToPath(new URL('./fixtures/offline-iam/', import.meta.url));
const LOCAL: Deployment = { partition: 'aws', region: 'eu-west-1', accountId: '000000000000' };
const service = 'fixture-offline-iam-dev';
const functions = ['reader', 'writer', 'both', 'sneaky'];
const tables = ['orders', 'customers', 'ledger'];
// Probe action → the IAM action and resource it needs.
const actions: Record<string, { action: string; index?: string }> = {
  GetItem: { action: 'dynamodb:GetItem' },
  PutItem: { action: 'dynamodb:PutItem' },
  UpdateItem: { action: 'dynamodb:UpdateItem' },
  DeleteItem: { action: 'dynamodb:DeleteItem' },
  Query: { action: 'dynamodb:Query' },
  QueryIndex: { action: 'dynamodb:Query', index: 'byCustomer' },
  Scan: { action: 'dynamodb:Scan' },
  BatchGetItem: { action: 'dynamodb:BatchGetItem' },
  BatchWriteItem: { action: 'dynamodb:BatchWriteItem' },
  ConditionCheckItem: { action: 'dynamodb:ConditionCheckItem' },
  DescribeTable: { action: 'dynamodb:DescribeTable' },
};

let offline: OfflineRun;
let template: CfnTemplate;

async function probe(fn: string, table: string, action: string) {
  const response = await fetch(`${offline.url}/probe/${fn}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ table: `${service}-${table}`, action }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { outcome: string; message?: string; count?: number };
}

/** The generated role of a function, as the independent simulator sees it. */
function roleOf(fn: string) {
  const [, lambda] = resourcesOfType(template, 'AWS::Lambda::Function').find(
    ([, r]) => (r.Properties as { Handler: string }).Handler === `.gantry/entries/probes-${fn}.handler`,
  ) as unknown as [string, { Properties: { Role: { 'Fn::GetAtt': [string] } } }];
  const role = template.Resources[lambda.Properties.Role['Fn::GetAtt'][0]] as unknown as {
    Properties: { RoleName: string; Policies: { PolicyDocument: { Statement: unknown[] } }[] };
  };
  return {
    roleName: role.Properties.RoleName,
    statements: resolveIntrinsics(
      role.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement),
      template,
      LOCAL,
    ) as unknown[],
  };
}

beforeAll(async () => {
  template = (await packageService(cwd, 'dev')).template;
  offline = await startOffline(cwd);
});
afterAll(async () => {
  await offline?.stop();
});

describe('sls offline with the embedded DynamoDB', () => {
  it('prints the local DynamoDB endpoint, creates the tables and loads the seeds', async () => {
    const endpoint = /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(offline.output())?.[1];
    if (!endpoint) throw new Error(`no DynamoDB endpoint line in:\n${offline.output()}`);
    // Your shell (no function identity) may use the endpoint too, with any credentials.
    const client = new DynamoDBClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'me', secretAccessKey: 'x' },
    });
    const { TableNames } = await client.send(new ListTablesCommand({}));
    client.destroy();
    expect(TableNames?.sort()).toEqual(tables.map((t) => `${service}-${t}`).sort());
    expect(await probe('reader', 'orders', 'Scan')).toEqual({ outcome: 'ok', count: 2 });
  });

  it('serves the AWS CLI: it lists the tables and reads the seeded items', () => {
    const endpoint = /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(offline.output())?.[1] ?? '';
    const aws = (...args: string[]) =>
      JSON.parse(
        execFileSync(
          '/usr/bin/aws',
          ['dynamodb', ...args, '--endpoint-url', endpoint, '--region', 'eu-west-1', '--output', 'json'],
          {
            encoding: 'utf8',
            env: {
              PATH: process.env.PATH,
              HOME: process.env.HOME,
              AWS_ACCESS_KEY_ID: 'cli',
              AWS_SECRET_ACCESS_KEY: 'cli',
            },
          },
        ),
      );
    expect(aws('list-tables').TableNames).toEqual(expect.arrayContaining(tables.map((t) => `${service}-${t}`)));
    const { Items } = aws('scan', '--table-name', `${service}-orders`);
    expect(Items.map((i: { id: { S: string } }) => i.id.S).sort()).toEqual(expect.arrayContaining(['o1', 'o2']));
  });

  it('answers a call the role does not allow as DynamoDB does, inside the handler', async () => {
    const { roleName } = roleOf('sneaky');
    expect(await probe('sneaky', 'ledger', 'PutItem')).toEqual({
      outcome: 'AccessDeniedException',
      message: `User: arn:aws:sts::000000000000:assumed-role/${roleName}/probes-sneaky is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:eu-west-1:000000000000:table/${service}-ledger because no identity-based policy allows the dynamodb:PutItem action`,
    });
  });

  it('enforces exactly what the independent simulator decides, per function × table × action', async () => {
    const mismatches: string[] = [];
    let denied = 0;
    let allowed = 0;
    for (const fn of functions) {
      const { statements, roleName } = roleOf(fn);
      const roleArn = `arn:aws:iam::000000000000:role/${roleName}`;
      for (const table of tables) {
        for (const [probeAction, { action, index }] of Object.entries(actions)) {
          const resource = `arn:aws:dynamodb:eu-west-1:000000000000:table/${service}-${table}${index ? `/index/${index}` : ''}`;
          const verdict = await simulate(statements, { action, resource, roleArn }, LOCAL);
          const { outcome } = await probe(fn, table, probeAction);
          const wasDenied = outcome === 'AccessDeniedException';
          if (wasDenied !== (verdict !== 'Allowed'))
            mismatches.push(`${fn} ${probeAction} ${table}: local ${outcome}, simulator ${verdict}`);
          if (wasDenied) denied++;
          else allowed++;
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(denied).toBeGreaterThan(0);
    expect(allowed).toBeGreaterThan(0);
  });

  it('lets allowed calls reach the data', async () => {
    expect((await probe('writer', 'orders', 'PutItem')).outcome).toBe('ok');
    expect((await probe('reader', 'orders', 'GetItem')).outcome).toBe('ok');
    expect(await probe('reader', 'orders', 'QueryIndex')).toEqual({ outcome: 'ok', count: 1 });
    expect((await probe('both', 'customers', 'UpdateItem')).outcome).toBe('ok');
  });
});

// Runs after every test above: it stops this file's sls offline.
describe('stopping sls offline', () => {
  it('SIGTERM stops it with exit code 0 and no "Command failed"', async () => {
    const before = offline.output().length;
    offline.kill('SIGTERM');
    expect(await offline.exited).toBe(0);
    expect(offline.output().slice(before)).not.toMatch(/Command failed|Error|✖/);
  });
});
