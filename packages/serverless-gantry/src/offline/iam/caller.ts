import type { IncomingMessage } from 'node:http';
import { evaluate, type Statement } from './policy.js';
import type { Check } from './request-checks.js';
import type { LocalAccount } from './resolve-arns.js';

/** Who a local access key belongs to: a function, its role, and the statements deploy gives it. */
export interface LocalIdentity {
  functionName: string;
  roleName: string;
  statements: Statement[];
}

const CREDENTIAL = /Credential=([^/,\s]+)\//;

/**
 * The calling function, by the access key of its SigV4 credential: in the `Authorization` header,
 * or in the query string of a presigned request (`X-Amz-Credential`). Signatures are not verified:
 * everything is on loopback, and the key only says whose policy applies. Every local endpoint
 * (DynamoDB, SQS) identifies callers this way.
 */
export function identifyCaller(
  req: IncomingMessage,
  identities: Map<string, LocalIdentity>,
): LocalIdentity | undefined {
  const header = CREDENTIAL.exec(String(req.headers.authorization ?? ''))?.[1];
  const query = URL.canParse(req.url ?? '', 'http://local')
    ? new URL(req.url ?? '', 'http://local').searchParams.get('X-Amz-Credential')?.split('/')[0]
    : undefined;
  const accessKey = header ?? query;
  return accessKey ? identities.get(accessKey) : undefined;
}

/**
 * IAM's words when the function's policy refuses one of the checks, else undefined:
 * `User: arn:…:assumed-role/<role>/<function> is not authorized to perform: <action> on resource: …
 * because no identity-based policy allows the <action> action`. SQS writes the action lower-cased.
 */
export function deniedMessage(
  identity: LocalIdentity,
  checks: Check[],
  account: LocalAccount,
  { lowerCaseAction = false } = {},
): string | undefined {
  for (const check of checks) {
    const verdict = evaluate(identity.statements, check.action, check.resource);
    if (verdict === 'Allowed') continue;
    const action = lowerCaseAction ? check.action.toLowerCase() : check.action;
    const user = `arn:${account.partition}:sts::${account.accountId}:assumed-role/${identity.roleName}/${identity.functionName}`;
    const reason =
      verdict === 'ExplicitlyDenied'
        ? 'with an explicit deny in an identity-based policy'
        : `because no identity-based policy allows the ${action} action`;
    return `User: ${user} is not authorized to perform: ${action} on resource: ${check.resource} ${reason}`;
  }
  return undefined;
}
