/**
 * The fields of a valibot 1 issue that a message is made from. Structural on purpose: the kit does
 * not import valibot, so services that validate with another library do not bundle it.
 */
export interface ValibotIssueFields {
  kind?: string | undefined;
  type?: string | undefined;
  input?: unknown;
  expected?: string | null | undefined;
  requirement?: unknown;
  path?: readonly { origin?: string | undefined; key?: unknown }[] | undefined;
  /** valibot's own message, already set when the global message is asked for. */
  message?: string | undefined;
}

const KINDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  bigint: 'a whole number',
  boolean: 'true or false',
  Object: 'an object',
  Array: 'a list',
  Date: 'a date',
};
const FORMATS: Record<string, string> = {
  uuid: 'a UUID',
  email: 'an email address',
  rfc_email: 'an email address',
  url: 'a URL',
  integer: 'a whole number',
  iso_date: 'a date (YYYY-MM-DD)',
  iso_timestamp: 'a date and time (ISO 8601)',
};

/**
 * valibot's global message for messages a person can act on ("version is required.",
 * "Must be true or false.") instead of the type checker's words ("Invalid type: Expected number but
 * received undefined"). Messages written on a schema still win. valibot asks for a message before
 * the enclosing object adds the field to the issue's path, so only a missing or unknown field is
 * named here; the kit's 400 lists every issue with its path (`["body", "done"]`), which is where a
 * client (the starters' page) finds the field. Hand-written because valibot ships no such messages
 * (its i18n packages translate the same type-checker wording).
 *
 * @example
 * ```ts
 * import * as v from 'valibot';
 * import { readableMessage } from '@gantry/middy/valibot';
 * v.setGlobalMessage(readableMessage);
 * ```
 */
export function readableMessage(issue: ValibotIssueFields): string {
  const key = fieldKey(issue);
  switch (issue.type) {
    case 'object':
    case 'loose_object':
    case 'strict_object':
    case 'object_with_rest':
      // A missing field's issue comes from its object, with the field already in the path.
      if (key !== undefined && issue.expected === 'never') return `Unknown field: ${key}.`;
      if (key !== undefined) return `${key} is required.`;
      return `Must be ${KINDS[issue.expected ?? ''] ?? 'an object'}.`;
    case 'non_empty':
      return 'Must not be empty.';
    case 'min_length':
      return lengthBound(issue, 'least');
    case 'max_length':
      return lengthBound(issue, 'most');
    case 'length':
      return `Must ${typeof issue.input === 'string' ? 'be' : 'hold'} exactly ${Number(issue.requirement)} ${unitOf(issue)}.`;
    case 'min_value':
      return `Must be at least ${shown(issue.requirement)}.`;
    case 'max_value':
      return `Must be at most ${shown(issue.requirement)}.`;
    case 'picklist':
    case 'enum':
    case 'literal':
      return `Must be one of: ${choices(issue)}.`;
    case 'regex':
      return 'Is not in the expected form.';
    default:
      if (issue.type && FORMATS[issue.type]) return `Must be ${FORMATS[issue.type]}.`;
      if (issue.kind === 'schema' && issue.input === undefined) return 'A value is required.';
      if (issue.kind === 'schema' && issue.expected && KINDS[issue.expected])
        return `Must be ${KINDS[issue.expected]}.`;
      return issue.message ?? 'Is not valid.';
  }
}

/** The field an object's own issue is about (a missing or unknown key), if it names one. */
function fieldKey(issue: ValibotIssueFields): string | undefined {
  const last = issue.path?.[issue.path.length - 1];
  return last?.origin === 'key' && last.key !== undefined ? String(last.key) : undefined;
}

/**
 * The allowed values as valibot's issue gives them in `expected`: `"a"`, or `("a" | "b")` for a
 * picklist or enum (its issues carry no `requirement`), listed as `"a", "b"`.
 */
function choices(issue: ValibotIssueFields): string {
  return (issue.expected ?? '')
    .replace(/^\((.*)\)$/, '$1')
    .split(' | ')
    .join(', ');
}

/** A bound as a person writes it: a number, or a date as ISO 8601. */
const shown = (bound: unknown) => (bound instanceof Date ? bound.toISOString() : String(bound));
const unitOf = (issue: ValibotIssueFields) => (typeof issue.input === 'string' ? 'characters' : 'items');

function lengthBound(issue: ValibotIssueFields, side: 'least' | 'most'): string {
  const n = Number(issue.requirement);
  if (side === 'least' && n === 1) return 'Must not be empty.';
  return `Must ${typeof issue.input === 'string' ? 'be' : 'hold'} at ${side} ${n} ${unitOf(issue)}.`;
}
