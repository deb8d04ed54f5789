/**
 * IAM's evaluation of identity-based policies, for local runs: an explicit Deny wins, then any
 * Allow, else the request is implicitly denied. Actions match case-insensitively, resources
 * case-sensitively, `*` and `?` as wildcards. Our own code (it runs in users' projects at dev time);
 * the tests check it against an independent simulator. Conditions are not evaluated: a statement
 * with a Condition never matches, so local runs deny what only a condition would allow.
 */
export type Verdict = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Statement {
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

export function evaluate(statements: Statement[], action: string, resource: string): Verdict {
  let allowed = false;
  for (const statement of statements) {
    if (!matches(statement, action, resource)) continue;
    if (statement.Effect === 'Deny') return 'ExplicitlyDenied';
    allowed = true;
  }
  return allowed ? 'Allowed' : 'ImplicitlyDenied';
}

function matches(statement: Statement, action: string, resource: string): boolean {
  if (statement.Condition !== undefined) return false;
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
