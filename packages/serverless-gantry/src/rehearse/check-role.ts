import {
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from '@aws-sdk/client-iam';
import type { AwsClients } from './aws-clients.js';
import { type Check, expectEqual } from './check.js';
import { resolveIntrinsics, type StackValues } from './intrinsics.js';

/** A role as Gantry generates it: a function's own, or the one its schedules invoke it with. */
export interface RoleResource {
  Properties: {
    RoleName: string;
    AssumeRolePolicyDocument: unknown;
    Policies: { PolicyName: string; PolicyDocument: unknown }[];
  };
}

/**
 * The deployed role is the generated one: trusted by exactly the generated principals, holding
 * exactly its generated inline policies (resolved as the stack resolves them) and no managed
 * policy. Returns its ARN for the checks that compare other resources with it.
 */
export async function checkRole(
  aws: AwsClients,
  label: string,
  role: RoleResource,
  at: StackValues,
): Promise<{ arn: string | undefined; checks: Check[] }> {
  const RoleName = role.Properties.RoleName;
  const deployed = (await aws.iam.send(new GetRoleCommand({ RoleName }))).Role;
  const trust = JSON.parse(decodeURIComponent(deployed?.AssumeRolePolicyDocument ?? '{}')) as unknown;
  const names = (await aws.iam.send(new ListRolePoliciesCommand({ RoleName }))).PolicyNames ?? [];
  const attached = (await aws.iam.send(new ListAttachedRolePoliciesCommand({ RoleName }))).AttachedPolicies ?? [];
  const checks = [
    expectEqual(`${label}: trust`, trust, resolveIntrinsics(role.Properties.AssumeRolePolicyDocument, at)),
    expectEqual(`${label}: inline policies`, names.sort(), role.Properties.Policies.map((p) => p.PolicyName).sort()),
    expectEqual(
      `${label}: no managed policies`,
      attached.map((p) => p.PolicyArn),
      [],
    ),
  ];
  for (const policy of role.Properties.Policies) {
    const found = await aws.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: policy.PolicyName }));
    const document = JSON.parse(decodeURIComponent(found.PolicyDocument ?? '{}')) as unknown;
    checks.push(
      expectEqual(`${label}: policy ${policy.PolicyName}`, document, resolveIntrinsics(policy.PolicyDocument, at)),
    );
  }
  return { arn: deployed?.Arn, checks };
}
