/**
 * IAM's condition operators, for local runs. Hand-written: the one maintained evaluator that fits
 * (@cloud-copilot/iam-simulate, the tests' independent simulator) is AGPL-3.0 and cannot ship in
 * Gantry; the tests check this file against it. What it covers, after AWS's reference ("IAM JSON
 * policy elements: Condition operators"): String*, Arn*, Numeric*, Date*, Bool, Null, each with
 * `...IfExists`, and the set prefixes `ForAllValues:` / `ForAnyValue:`; `${key}` policy variables.
 */

/**
 * What a local run can tell of one request, by lower-cased key: its values, or undefined when the
 * request does not carry the key (as AWS would not). A key missing from the map is one the local
 * run cannot tell, and a condition on it cannot be evaluated.
 */
export type RequestContext = Map<string, string[] | undefined>;

/** true, false, or `unknown` when the local run cannot tell (an operator or key it does not know). */
export type ConditionResult = boolean | 'unknown';

type Compare = (contextValue: string, policyValue: string) => boolean | undefined;

/** A policy value without substitute()'s literal markers, for the operators that have no wildcards. */
const plain = (policyValue: string) => policyValue.replaceAll('\u0000', '');

// Positive base operators; `Not` ones are their negation. A comparison that cannot be made (a
// number or date that does not parse) is undefined, which no value matches.
const BASE: Record<string, Compare> = {
  stringequals: (c, p) => c === plain(p),
  stringequalsignorecase: (c, p) => c.toLowerCase() === plain(p).toLowerCase(),
  stringlike: (c, p) => like(p, c),
  arnequals: (c, p) => arnLike(c, p),
  arnlike: (c, p) => arnLike(c, p),
  numericequals: (c, p) => numbers(c, p, (a, b) => a === b),
  numericlessthan: (c, p) => numbers(c, p, (a, b) => a < b),
  numericlessthanequals: (c, p) => numbers(c, p, (a, b) => a <= b),
  numericgreaterthan: (c, p) => numbers(c, p, (a, b) => a > b),
  numericgreaterthanequals: (c, p) => numbers(c, p, (a, b) => a >= b),
  dateequals: (c, p) => dates(c, p, (a, b) => a === b),
  datelessthan: (c, p) => dates(c, p, (a, b) => a < b),
  datelessthanequals: (c, p) => dates(c, p, (a, b) => a <= b),
  dategreaterthan: (c, p) => dates(c, p, (a, b) => a > b),
  dategreaterthanequals: (c, p) => dates(c, p, (a, b) => a >= b),
  bool: (c, p) => c.toLowerCase() === plain(p).toLowerCase(),
};
const NEGATED: Record<string, string> = {
  stringnotequals: 'stringequals',
  stringnotequalsignorecase: 'stringequalsignorecase',
  stringnotlike: 'stringlike',
  arnnotequals: 'arnequals',
  arnnotlike: 'arnlike',
  numericnotequals: 'numericequals',
  datenotequals: 'dateequals',
};

/** A statement's whole Condition block: every operator and every key in it must hold. */
export function evaluateCondition(condition: unknown, context: RequestContext): ConditionResult {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return 'unknown';
  let result: ConditionResult = true;
  for (const [operator, keys] of Object.entries(condition)) {
    if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) return 'unknown';
    for (const [key, values] of Object.entries(keys)) {
      const one = evaluateKey(operator, key, values, context);
      if (one === false) return false;
      if (one === 'unknown') result = 'unknown';
    }
  }
  return result;
}

function evaluateKey(operator: string, key: string, raw: unknown, context: RequestContext): ConditionResult {
  const lowered = key.toLowerCase();
  if (!context.has(lowered)) return 'unknown';
  const present = context.get(lowered);
  const policyValues = substitute(asStrings(raw), context);
  if (!policyValues) return 'unknown';

  const [prefix, rest] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const setPrefix = prefix?.toLowerCase();
  if (setPrefix !== undefined && setPrefix !== 'forallvalues' && setPrefix !== 'foranyvalue') return 'unknown';
  let name = (rest ?? '').toLowerCase();
  const ifExists = name.endsWith('ifexists');
  if (ifExists) name = name.slice(0, -'ifexists'.length);

  if (name === 'null') {
    if (setPrefix || ifExists) return 'unknown';
    const absent = present === undefined || present.length === 0;
    return policyValues.some((v) => v.toLowerCase() === String(absent));
  }
  const negated = Object.hasOwn(NEGATED, name);
  const base = negated ? BASE[NEGATED[name] as string] : Object.hasOwn(BASE, name) ? BASE[name] : undefined;
  if (!base) return 'unknown';
  // One context value satisfies a positive operator when it matches any policy value, a negated
  // one when it matches none.
  const satisfies = (value: string) => {
    const matches = policyValues.some((p) => base(value, p) === true);
    return negated ? !matches : matches;
  };

  if (setPrefix === 'forallvalues') return (present ?? []).every(satisfies);
  if (setPrefix === 'foranyvalue') return (present ?? []).some(satisfies);
  if (present === undefined || present.length === 0) return ifExists || negated;
  // A single-valued operator on a key with several values: AWS documents no rule, so no guess.
  if (present.length > 1) return 'unknown';
  return satisfies(present[0] as string);
}

function asStrings(raw: unknown): string[] {
  return (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** Policy variables (`${aws:username}`, `${*}`): undefined when one names a key the local run cannot tell. */
function substitute(values: string[], context: RequestContext): string[] | undefined {
  const out: string[] = [];
  for (const value of values) {
    let unknown = false;
    const replaced = value.replace(/\$\{([^}]*)\}/g, (_match, name: string) => {
      if (name === '*' || name === '?' || name === '$') return `\u0000${name}`;
      const found = context.get(name.toLowerCase());
      if (found === undefined || found.length !== 1) {
        unknown = true;
        return '';
      }
      return found[0] as string;
    });
    if (unknown) return undefined;
    out.push(replaced);
  }
  return out;
}

/** `*` and `?` as wildcards, case-sensitive; `${*}`, `${?}`, `${$}` (marked by substitute) as literals. */
function like(pattern: string, value: string): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\u0000') {
      source += literal(pattern[++i] as string);
    } else if (c === '*') source += '.*';
    else if (c === '?') source += '.';
    else source += literal(c);
  }
  return new RegExp(`^${source}$`, 's').test(value);
}

const literal = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** ARNs match part by part (six parts, the resource part keeps its colons), each part like StringLike. */
function arnLike(value: string, pattern: string): boolean {
  const parts = (arn: string) => {
    const split = arn.split(':');
    return split.length < 6 ? undefined : [...split.slice(0, 5), split.slice(5).join(':')];
  };
  const v = parts(value);
  const p = parts(pattern);
  return v !== undefined && (p?.every((part, i) => like(part, v[i] as string)) ?? false);
}

function numbers(c: string, p: string, compare: (a: number, b: number) => boolean): boolean | undefined {
  const a = Number(c);
  const b = Number(p);
  return Number.isNaN(a) || Number.isNaN(b) || c.trim() === '' || p.trim() === '' ? undefined : compare(a, b);
}

/** Dates as ISO 8601 or epoch seconds, both sides. */
function dates(c: string, p: string, compare: (a: number, b: number) => boolean): boolean | undefined {
  const time = (s: string) => (/^\d+$/.test(s) ? Number(s) * 1000 : Date.parse(s));
  const a = time(c);
  const b = time(p);
  return Number.isNaN(a) || Number.isNaN(b) ? undefined : compare(a, b);
}
