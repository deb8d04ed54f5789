import type { IncomingMessage } from 'node:http';
import { evaluateRequest, type RequestContext, type Statement } from './policy.js';
import type { Check } from './request-checks.js';
import type { LocalAccount } from './resolve-arns.js';

/** Who a local access key belongs to: a function, its role, and the statements deploy gives it. */
export interface LocalIdentity {
  functionName: string;
  roleName: string;
  statements: Statement[];
  /** The secret of its local access key: endpoints that verify signatures (S3) check them with it. */
  secretAccessKey?: string;
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
  { lowerCaseAction = false, warn = console.warn }: { lowerCaseAction?: boolean; warn?: (line: string) => void } = {},
): string | undefined {
  // Most roles (all that Gantry generates without compliance) have no condition: no context to build.
  const conditional = identity.statements.some((statement) => statement.Condition !== undefined);
  for (const check of checks) {
    const context = conditional ? new Map([...globalContext(identity, account), ...(check.context ?? [])]) : undefined;
    const { verdict, unevaluated } = evaluateRequest(identity.statements, check.action, check.resource, context);
    for (const statement of unevaluated) warnOnce(statement, identity, check, warn);
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

/**
 * The global condition keys a local run can tell as AWS would for a function's call: the role it
 * runs as, the account, the region, the time. Lambda calls AWS over HTTPS and not through another
 * service. Every other global key (aws:SourceIp, aws:userid, tags, ...) is left out: unknown.
 */
function globalContext(identity: LocalIdentity, account: LocalAccount): RequestContext {
  const now = new Date();
  return new Map<string, string[] | undefined>([
    ['aws:principalarn', [`arn:${account.partition}:iam::${account.accountId}:role/${identity.roleName}`]],
    ['aws:principalaccount', [account.accountId]],
    ['aws:principaltype', ['AssumedRole']],
    ['aws:requestedregion', [account.region]],
    ['aws:securetransport', ['true']],
    ['aws:viaawsservice', ['false']],
    ['aws:calledvia', undefined],
    ['aws:currenttime', [now.toISOString()]],
    ['aws:epochtime', [String(Math.floor(now.getTime() / 1000))]],
  ]);
}

const warned = new WeakSet<Statement>();

/** Once per statement and run: its condition could not be told locally, and what that did. */
function warnOnce(statement: Statement, identity: LocalIdentity, check: Check, warn: (line: string) => void): void {
  if (warned.has(statement)) return;
  warned.add(statement);
  const name = statement.Sid ? `statement '${statement.Sid}'` : `the statement ${JSON.stringify(statement)}`;
  const effect =
    statement.Effect === 'Deny'
      ? 'it denies here whenever it would apply'
      : 'it allows nothing here (deployed it may allow more)';
  warn(
    `gantry: ${name} of ${identity.functionName}'s role has a Condition the local run cannot evaluate (first met on ${check.action}); ${effect}. Conditions on these keys are evaluated locally: aws:PrincipalArn, aws:PrincipalAccount, aws:RequestedRegion, aws:SecureTransport, aws:CurrentTime, aws:EpochTime, dynamodb:LeadingKeys, dynamodb:Select, dynamodb:ReturnValues, dynamodb:ReturnConsumedCapacity, s3:prefix, s3:delimiter, s3:max-keys.`,
  );
}
