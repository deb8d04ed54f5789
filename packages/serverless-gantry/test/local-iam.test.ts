import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, type Statement } from '../src/offline/iam/policy.js';
import { requestChecks } from '../src/offline/iam/request-checks.js';
import { localTableResource, resolveLocal } from '../src/offline/iam/resolve-arns.js';
import { dynamodbActionsOn, simulate } from './support/iam.js';

const at = { partition: 'aws', region: 'eu-west-1', accountId: '000000000000' };
const arn = (table: string) => `arn:aws:dynamodb:eu-west-1:000000000000:table/${table}`;
const roleArn = 'arn:aws:iam::000000000000:role/test';

// Statement shapes the plugin generates and users write: exact actions, wildcards in actions and
// resources, index wildcards, Deny overriding Allow, NotAction and NotResource.
const statements: Statement[][] = [
  [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Query'], Resource: [arn('a'), `${arn('a')}/index/*`] }],
  [{ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], Resource: [arn('a')] }],
  [{ Effect: 'Allow', Action: 'dynamodb:Get*', Resource: arn('*') }],
  [
    { Effect: 'Allow', Action: 'dynamodb:*', Resource: [arn('a'), arn('b')] },
    { Effect: 'Deny', Action: ['dynamodb:DeleteItem', 'dynamodb:Scan'], Resource: arn('b') },
  ],
  [{ Effect: 'Allow', NotAction: ['dynamodb:DeleteTable', 'dynamodb:UpdateTable'], Resource: arn('a') }],
  [{ Effect: 'Allow', Action: 'dynamodb:Query', NotResource: arn('b') }],
  [{ Effect: 'Allow', Action: 'dynamodb:query', Resource: arn('a?') }],
  [{ Effect: 'Allow', Action: ['dynamodb:BatchGetItem'], Resource: [`${arn('a')}/index/byX`] }],
  [],
];

describe('the local IAM evaluator agrees with the independent simulator', async () => {
  const tableActions = await dynamodbActionsOn('table');
  const indexActions = await dynamodbActionsOn('index');
  const resources = [
    ...['a', 'b', 'ab', 'c'].map((t) => ({ resource: arn(t), actions: tableActions })),
    ...['a', 'b'].map((t) => ({ resource: `${arn(t)}/index/byX`, actions: indexActions })),
  ];

  it.each(statements.map((s, i) => [i, s] as const))(
    'policy %i, every action on every table and index',
    async (_i, policy) => {
      const mismatches: string[] = [];
      for (const { resource, actions } of resources) {
        for (const action of actions) {
          const expected = await simulate(policy, { action, resource, roleArn }, at);
          const actual = evaluate(policy, action, resource);
          if (actual !== expected) mismatches.push(`${action} on ${resource}: local ${actual}, simulator ${expected}`);
        }
      }
      expect(mismatches).toEqual([]);
    },
  );

  it('on random wildcard patterns too', async () => {
    const pattern = fc.stringMatching(/^[a-c*?]{0,4}$/);
    await fc.assert(
      fc.asyncProperty(
        pattern,
        pattern,
        fc.constantFrom('a', 'b', 'ab', 'abc', 'cab'),
        fc.constantFrom(...tableActions.slice(0, 20)),
        async (p1, p2, table, action) => {
          const policy: Statement[] = [
            { Effect: 'Allow', Action: `dynamodb:${p1 ? `${p1}*` : '*'}`, Resource: arn(p2 || '*') },
          ];
          const resource = arn(table);
          expect(evaluate(policy, action, resource)).toBe(await simulate(policy, { action, resource, roleArn }, at));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('requestChecks', () => {
  it.each([
    ['GetItem', { TableName: 't' }, [['dynamodb:GetItem', arn('t')]]],
    ['Query', { TableName: 't', IndexName: 'byX' }, [['dynamodb:Query', `${arn('t')}/index/byX`]]],
    ['Scan', { TableName: 't' }, [['dynamodb:Scan', arn('t')]]],
    [
      'BatchWriteItem',
      { RequestItems: { t: [], u: [] } },
      [
        ['dynamodb:BatchWriteItem', arn('t')],
        ['dynamodb:BatchWriteItem', arn('u')],
      ],
    ],
    [
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 't' } },
          { ConditionCheck: { TableName: 'u' } },
          { Delete: { TableName: 't' } },
        ],
      },
      [
        ['dynamodb:PutItem', arn('t')],
        ['dynamodb:ConditionCheckItem', arn('u')],
        ['dynamodb:DeleteItem', arn('t')],
      ],
    ],
    ['TransactGetItems', { TransactItems: [{ Get: { TableName: 't' } }] }, [['dynamodb:GetItem', arn('t')]]],
    ['ListTables', {}, [['dynamodb:ListTables', '*']]],
  ])('%s', (operation, body, expected) => {
    expect(requestChecks(operation, body, at).map((c) => [c.action, c.resource])).toEqual(expected);
  });
});

describe('resolveLocal', () => {
  it('resolves generated table ARNs and leaves what it cannot see unmatchable', () => {
    const statements = [
      { Resource: [{ 'Fn::GetAtt': ['NotesTable', 'Arn'] }, { 'Fn::Sub': '${NotesTable.Arn}/index/*' }] },
      { Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/x:*' } },
      { Resource: { 'Fn::GetAtt': ['Bucket', 'Arn'] } },
    ];
    expect(resolveLocal(statements, { NotesTable: localTableResource('svc-dev-notes', at) }, at)).toEqual([
      { Resource: [arn('svc-dev-notes'), `${arn('svc-dev-notes')}/index/*`] },
      { Resource: 'arn:aws:logs:eu-west-1:000000000000:log-group:/x:*' },
      { Resource: 'unresolved-locally:Bucket.Arn' },
    ]);
  });
});
