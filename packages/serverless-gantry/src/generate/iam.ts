import { accessActions, type IamStatement } from '@gantry/decorators';
import type { ManifestFunction, ManifestTable } from '../manifest.js';
import { pascal, tableLogicalId } from './names.js';

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, unknown>;
}

const READ_ACTIONS = accessActions('read');
const WRITE_ACTIONS = accessActions('write');

/**
 * The statements of one function's role: writing to its own log group, exactly the DynamoDB actions
 * of each `uses` on exactly that table (its indexes only for reads, only when it has indexes), and
 * the statements the user wrote in `@fn({ iamStatements })`. Nothing else.
 */
export function functionPolicyStatements(
  fn: ManifestFunction,
  tables: ManifestTable[],
  deployedName: string,
): PolicyStatement[] {
  const logGroup = `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${deployedName}`;
  const statements: PolicyStatement[] = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      // Both actions apply to log streams, whose names Lambda picks at run time: `:*` covers the
      // streams of this function's own log group and nothing else.
      Resource: { 'Fn::Sub': `${logGroup}:*` },
    },
  ];
  for (const use of fn.uses) {
    const table = tables.find((t) => t.name === use.table);
    if (!table) throw new Error(`Manifest names table '${use.table}' in ${fn.name} but does not define it`);
    const arn = { 'Fn::GetAtt': [tableLogicalId(table.name), 'Arn'] };
    if (use.access !== 'write') {
      const resources: unknown[] = [arn];
      if (table.indexes.length > 0) resources.push({ 'Fn::Sub': `\${${tableLogicalId(table.name)}.Arn}/index/*` });
      statements.push({ Sid: `Read${pascal(table.name)}`, Effect: 'Allow', Action: READ_ACTIONS, Resource: resources });
    }
    if (use.access !== 'read') {
      statements.push({ Sid: `Write${pascal(table.name)}`, Effect: 'Allow', Action: WRITE_ACTIONS, Resource: [arn] });
    }
  }
  return [...statements, ...(fn.config.iamStatements ?? []).map((s: IamStatement) => ({ ...s }))];
}

/** The function's own role, trusted by Lambda only. */
export function functionRole(roleName: string, policyName: string, statements: PolicyStatement[]) {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      RoleName: roleName,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
      },
      Policies: [{ PolicyName: policyName, PolicyDocument: { Version: '2012-10-17', Statement: statements } }],
    },
  };
}
