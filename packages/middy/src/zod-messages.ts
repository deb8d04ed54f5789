/**
 * The fields of a zod 4 issue that a message is made from. Structural on purpose: the kit does not
 * import zod, so services that validate with another library do not bundle it.
 */
export interface ZodIssueFields {
  code?: string | undefined;
  path?: readonly PropertyKey[] | undefined;
  input?: unknown | undefined;
  expected?: string | undefined;
  origin?: string | undefined;
  format?: string | undefined;
  minimum?: number | bigint | undefined;
  maximum?: number | bigint | undefined;
  inclusive?: boolean | undefined;
  keys?: readonly string[] | undefined;
  values?: readonly unknown[] | undefined;
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};
const FORMATS: Record<string, string> = { uuid: 'a UUID', email: 'an email address', url: 'a URL' };

/**
 * zod 4's error map for messages a person can act on, naming the field and what is wrong or missing
 * ("version is required.", "done must be true or false."), instead of the type checker's words
 * ("expected number, received NaN"). Messages written on a schema still win. Hand-written because
 * zod's locales (its only messages; `zod/mini` loads none) speak of types, not of fields, and
 * loading them is most of classic zod's cold start.
 *
 * @example
 * ```ts
 * import * as z from 'zod/mini';
 * import { readableMessage } from '@gantry/middy/zod';
 * z.config({ customError: readableMessage });
 * ```
 */
export function readableMessage(issue: ZodIssueFields): string | undefined {
  const name = fieldName(issue.path);
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return `${name} is required.`;
      return `${name} must be ${KINDS[issue.expected ?? ''] ?? issue.expected}.`;
    case 'too_small':
      return `${name} ${bound(issue, 'least', issue.minimum)}.`;
    case 'too_big':
      return `${name} ${bound(issue, 'most', issue.maximum)}.`;
    case 'invalid_format':
      return `${name} must be ${FORMATS[issue.format ?? ''] ?? `in ${issue.format} format`}.`;
    case 'unrecognized_keys': {
      const keys = issue.keys ?? [];
      return `${keys.length === 1 ? 'Unknown field' : 'Unknown fields'}: ${keys.join(', ')}.`;
    }
    case 'invalid_value':
      return `${name} must be one of: ${(issue.values ?? []).map((value) => JSON.stringify(value)).join(', ')}.`;
    case 'not_multiple_of':
      return `${name} is not an allowed step.`;
    default:
      return `${name} is not valid.`;
  }
}

/** The innermost named field (`tags[2]` for a list item), or "The value" for the whole part. */
function fieldName(path: readonly PropertyKey[] | undefined): string {
  if (!path || path.length === 0) return 'The value';
  const last = path[path.length - 1];
  if (typeof last === 'number') {
    const owner = path.slice(0, -1).findLast((segment) => typeof segment === 'string');
    return owner ? `${String(owner)}[${last}]` : `Item ${last}`;
  }
  return String(last);
}

function bound(issue: ZodIssueFields, side: 'least' | 'most', limit: number | bigint | undefined): string {
  const n = Number(limit);
  const exclusive = issue.inclusive === false;
  switch (issue.origin) {
    case 'string':
      if (side === 'least' && n === 1 && !exclusive) return 'must not be empty';
      return `must be at ${side} ${exclusive ? n + (side === 'least' ? 1 : -1) : n} characters`;
    case 'array':
    case 'set':
      if (side === 'least' && n === 1 && !exclusive) return 'must not be empty';
      return `must hold at ${side} ${exclusive ? n + (side === 'least' ? 1 : -1) : n} items`;
    default:
      return exclusive ? `must be ${side === 'least' ? 'more' : 'less'} than ${n}` : `must be at ${side} ${n}`;
  }
}
