import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { type ClassMetadata, readClassMetadata } from '../src/index.js';

// The rule (README "Inheritance"): a class's functions are the methods decorated in its own body; a
// base class's functions never change because a subclass exists. Checked on the code each compiler
// really emits for standard decorators, since they lower `context.metadata` differently.
const SOURCE = `
import { api, auth, fn, get, post, table, uses } from '@gantry/decorators';

export const Secrets = table('secrets', { partitionKey: { name: 'id', type: 'S' } });

@api('/base', { auth: { scopes: ['base'] } })
export class BaseApi {
  @get('/items')
  @uses(Secrets, 'read')
  @fn({ memory: 256, environment: { A: '1' }, iamStatements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:1:q' }] })
  @auth({ scopes: ['reader'] })
  static list() { return 'base'; }

  @get('/health')
  static health() { return 'ok'; }
}

@api('/admin')
export class AdminApi extends BaseApi {
  @post('/items')
  @uses(Secrets, 'readwrite')
  @fn({ memory: 1024, environment: { B: '2' } })
  @auth({ scopes: ['admin'] })
  static override list() { return 'admin'; }
}

// No @api of its own: inherits the base's prefix, CORS and auth, not its functions.
export class AuditApi extends BaseApi {
  @get('/audit')
  static audit() { return 'audit'; }
}

// Nothing decorated: no functions of its own.
export class PlainChild extends BaseApi {
  static override list() { return 'plain'; }
}
`;

const decoratorsEntry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const source = SOURCE.replace("'@gantry/decorators'", JSON.stringify(decoratorsEntry));

const compilers = {
  tsc: (code: string) =>
    ts.transpileModule(code, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        experimentalDecorators: false,
      },
    }).outputText,
  esbuild: async (code: string) =>
    (
      await transform(code, {
        loader: 'ts',
        format: 'esm',
        target: 'es2022',
        tsconfigRaw: { compilerOptions: { experimentalDecorators: false } },
      })
    ).code,
};
// Proof that each compiler lowered the decorators itself (no decorator syntax left for vitest).
const lowered = { tsc: '__esDecorate', esbuild: '__decorateElement' };

const dir = await mkdtemp(join(tmpdir(), 'gantry-inheritance-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(Object.keys(compilers) as (keyof typeof compilers)[])('inheritance, compiled by %s', (compiler) => {
  const load = async () => {
    const code = await compilers[compiler](source);
    expect(code).toContain(lowered[compiler]);
    expect(code).not.toMatch(/^\s*@(api|get|post|uses|fn|auth)\(/m);
    const file = join(dir, `${compiler}.mjs`);
    await writeFile(file, code);
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  };
  const meta = (value: unknown): ClassMetadata => readClassMetadata(value) ?? expect.unreachable();

  it("leaves the base class's routes, uses, fn options and auth as the base declared them", async () => {
    const { BaseApi, Secrets } = await load();
    expect(Object.keys(meta(BaseApi).methods)).toEqual(['list', 'health']);
    expect(meta(BaseApi).methods.list).toEqual({
      method: 'list',
      isStatic: true,
      kind: 'method',
      routes: [{ method: 'GET', path: '/items' }],
      uses: [{ resource: Secrets, access: 'read' }],
      triggers: [],
      options: {
        memory: 256,
        environment: { A: '1' },
        iamStatements: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:eu-west-1:1:q' }],
      },
      schemas: {},
      auth: { scopes: ['reader'] },
      problems: [],
    });
    expect(meta(BaseApi).api).toEqual({ prefix: '/base', options: { auth: { scopes: ['base'] } } });
  });

  it('gives a subclass its own functions: only what its own body decorates, nothing merged from the base', async () => {
    const { AdminApi, Secrets } = await load();
    expect(Object.keys(meta(AdminApi).methods)).toEqual(['list']);
    expect(meta(AdminApi).methods.list).toEqual({
      method: 'list',
      isStatic: true,
      kind: 'method',
      routes: [{ method: 'POST', path: '/items' }],
      uses: [{ resource: Secrets, access: 'readwrite' }],
      triggers: [],
      options: { memory: 1024, environment: { B: '2' } },
      schemas: {},
      auth: { scopes: ['admin'] },
      problems: [],
    });
    expect(meta(AdminApi).api?.prefix).toBe('/admin');
  });

  it('lets a subclass without @api inherit the prefix and auth, not the functions', async () => {
    const { AuditApi, BaseApi } = await load();
    expect(Object.keys(meta(AuditApi).methods)).toEqual(['audit']);
    expect(meta(AuditApi).api).toEqual(meta(BaseApi).api);
  });

  it('gives an undecorated subclass no metadata, and keeps every class callable as written', async () => {
    const { PlainChild, AdminApi, BaseApi } = await load();
    expect(readClassMetadata(PlainChild)).toBeUndefined();
    const call = (c: unknown, m: string) => (c as Record<string, () => unknown>)[m]?.();
    expect([call(BaseApi, 'list'), call(AdminApi, 'list'), call(PlainChild, 'list')]).toEqual([
      'base',
      'admin',
      'plain',
    ]);
  });
});
