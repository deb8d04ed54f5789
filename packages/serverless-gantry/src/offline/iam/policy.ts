import { evaluateCondition, type RequestContext } from './condition.js';

/**
 * IAM's evaluation of identity-based policies, for local runs: an explicit Deny wins, then any
 * Allow, else the request is implicitly denied. Actions match case-insensitively, resources
 * case-sensitively, `*` and `?` as wildcards. Our own code (it runs in users' projects at dev time);
 * the tests check it against an independent simulator. Conditions are evaluated on what the local
 * run can tell of the request (condition.ts); where it cannot tell, it never allows more than AWS
 * would: a Deny with that condition applies, an Allow does not, and the statement is reported.
 */
export type Verdict = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

export type { RequestContext } from './condition.js';

/** A verdict, and the statements that applied to the request but whose condition could not be told. */
export interface Evaluation {
  verdict: Verdict;
  unevaluated: Statement[];
}

export function evaluate(
  statements: Statement[],
  action: string,
  resource: string,
  context: RequestContext = new Map(),
): Verdict {
  return evaluateRequest(statements, action, resource, context).verdict;
}

export function evaluateRequest(
  statements: Statement[],
  action: string,
  resource: string,
  context: RequestContext = new Map(),
): Evaluation {
  let allowed = false;
  const unevaluated: Statement[] = [];
  for (const statement of statements) {
    if (!matches(statement, action, resource)) continue;
    const condition = statement.Condition === undefined ? true : evaluateCondition(statement.Condition, context);
    if (condition === false) continue;
    if (condition === 'unknown') {
      unevaluated.push(statement);
      // Cannot tell: stricter than AWS, never looser.
      if (statement.Effect === 'Deny') return { verdict: 'ExplicitlyDenied', unevaluated };
      continue;
    }
    if (statement.Effect === 'Deny') return { verdict: 'ExplicitlyDenied', unevaluated };
    allowed = true;
  }
  return { verdict: allowed ? 'Allowed' : 'ImplicitlyDenied', unevaluated };
}

function matches(statement: Statement, action: string, resource: string): boolean {
  const actionMatches =
    statement.Action !== undefined
      ? list(statement.Action).some((pattern) => wildcard(pattern, action, true))
      : statement.NotAction !== undefined &&
        !list(statement.NotAction).some((pattern) => wildcard(pattern, action, true));
  if (!actionMatches) return false;
  return statement.Resource !== undefined
    ? list(statement.Resource).some((pattern) => wildcard(pattern, resource, false))
    : statement.NotResource !== undefined &&
        !list(statement.NotResource).some((pattern) => wildcard(pattern, resource, false));
}

function list(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

const compiled = new Map<string, RegExp>();

function wildcard(pattern: string, value: string, ignoreCase: boolean): boolean {
  const key = `${ignoreCase ? 'i' : 's'}${pattern}`;
  let regex = compiled.get(key);
  if (!regex) {
    const source = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.');
    regex = new RegExp(`^${source}$`, ignoreCase ? 'is' : 's');
    compiled.set(key, regex);
  }
  return regex.test(value);
}
