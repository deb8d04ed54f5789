import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { BuildInput } from '../build-service.js';
import { GantryError } from '../errors.js';

interface ServerlessYml {
  service?: unknown;
  provider?: {
    stage?: unknown;
    region?: unknown;
    runtime?: unknown;
    httpApi?: { authorizers?: Record<string, unknown> };
  };
  params?: Record<string, Record<string, unknown>>;
  custom?: { gantry?: unknown };
}

// CloudFormation's short forms (`!Ref`, `!GetAtt`, …) may appear in `resources`; the helper never
// reads them, but the YAML parser must accept them.
const CFN_TAGS = ['Ref', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'If', 'Equals', 'Not', 'And', 'Or'];
const schema = yaml.DEFAULT_SCHEMA.extend(
  [...CFN_TAGS, 'FindInMap', 'GetAZs', 'ImportValue', 'Base64', 'Cidr', 'Condition'].flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(`!${tag}`, { kind, construct: (data: unknown) => ({ [`Fn::${tag}`]: data }) }),
    ),
  ),
);

/**
 * What discovery needs from a service's serverless.yml, read without the Serverless CLI (which takes
 * seconds to start): name, stage, region, `custom.gantry`, declared authorizers. Serverless
 * variables are resolved for the sources a Gantry service uses there (`param`, `sls:stage`,
 * `opt:stage`, `self`, `env`, with `, fallback`); osls's own resolver needs a whole Serverless
 * instance, so this small one is written here. Anything else is an error naming the key.
 */
export async function readServiceConfig(
  servicePath: string,
  stageOverride?: string,
): Promise<BuildInput & { authorizers: Record<string, unknown> }> {
  const file = join(servicePath, 'serverless.yml');
  let parsed: ServerlessYml;
  try {
    parsed = (yaml.load(await readFile(file, 'utf8'), { schema }) ?? {}) as ServerlessYml;
  } catch (error) {
    throw new GantryError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  // `provider.stage` may itself be a variable, e.g. `${opt:stage, 'dev'}` (no --stage here).
  const declared = resolveVariables(parsed.provider?.stage, 'provider.stage', { parsed, stage: undefined, params: {} });
  const stage = stageOverride ?? (typeof declared === 'string' ? declared : 'dev');
  const params = { ...parsed.params?.default, ...parsed.params?.[stage] };
  const resolveAt = (value: unknown, path: string): unknown => resolveVariables(value, path, { parsed, stage, params });
  const service = resolveAt(parsed.service, 'service');
  if (typeof service !== 'string' || service === '') throw new GantryError(`${file}: 'service' must name the service.`);
  return {
    servicePath,
    service,
    stage,
    region: String(resolveAt(parsed.provider?.region, 'provider.region') ?? 'us-east-1'),
    config: resolveAt(parsed.custom?.gantry, 'custom.gantry'),
    existing: { authorizers: Object.keys(parsed.provider?.httpApi?.authorizers ?? {}) },
    authorizers: (resolveAt(parsed.provider?.httpApi?.authorizers, 'provider.httpApi.authorizers') ?? {}) as Record<
      string,
      unknown
    >,
  };
}

/** `provider.runtime` of the service's serverless.yml as written (e.g. `nodejs22.x`), if it has one. */
export async function readProviderRuntime(servicePath: string): Promise<unknown> {
  const file = join(servicePath, 'serverless.yml');
  try {
    return ((yaml.load(await readFile(file, 'utf8'), { schema }) ?? {}) as ServerlessYml).provider?.runtime;
  } catch (error) {
    throw new GantryError(`Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}

interface Sources {
  parsed: ServerlessYml;
  stage: string | undefined;
  params: Record<string, unknown>;
}

const WHOLE = /^\$\{([^{}]+)\}$/;
const ANY = /\$\{([^{}]+)\}/g;

function resolveVariables(value: unknown, path: string, sources: Sources): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveVariables(v, `${path}[${i}]`, sources));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v, `${path}.${k}`, sources)]));
  }
  if (typeof value !== 'string') return value;
  // A value that is one variable keeps the variable's type (a list, a boolean); otherwise text.
  const whole = WHOLE.exec(value);
  if (whole?.[1]) return resolveVariables(lookup(whole[1], path, sources), path, sources);
  return value.replace(ANY, (_, expression: string) => String(lookup(expression, path, sources)));
}

function lookup(expression: string, path: string, sources: Sources): unknown {
  const [reference = '', ...fallbacks] = expression.split(',').map((part) => part.trim());
  const [source, address = ''] = reference.split(/:(.*)/s);
  let found: unknown;
  if (source === 'param') found = sources.params[address];
  else if ((source === 'sls' || source === 'opt') && address === 'stage') found = sources.stage;
  else if (source === 'self')
    found = address.split('.').reduce<unknown>((at, key) => (at as never)?.[key], sources.parsed);
  else if (source === 'env') found = process.env[address];
  else {
    throw new GantryError(
      `serverless.yml ${path}: \${${expression}} is not a variable the testing helper resolves (param, sls:stage, opt:stage, self, env); pass \`config\` to startLocalService instead.`,
    );
  }
  if (found !== undefined) return found;
  const fallback = fallbacks.join(',');
  if (fallback === '') {
    throw new GantryError(
      `serverless.yml ${path}: \${${expression}} has no value for stage '${sources.stage ?? 'dev'}'.`,
    );
  }
  return parseLiteral(fallback);
}

function parseLiteral(text: string): unknown {
  const quoted = /^(['"])(.*)\1$/s.exec(text);
  if (quoted) return quoted[2];
  if (text === 'true' || text === 'false') return text === 'true';
  if (text !== '' && !Number.isNaN(Number(text))) return Number(text);
  return text;
}
