import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildManifest } from '../src/discover/build-manifest.js';
import { loadHandlerModules } from '../src/discover/load-modules.js';
import { GantryBuildError } from '../src/errors.js';
import { tempService } from './support/temp-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((remove) => remove()));
});

async function load(files: Record<string, string>, handlers = ['src/**/*.ts']) {
  const service = await tempService(files);
  cleanups.push(service.remove);
  return loadHandlerModules({ servicePath: service.dir, handlers, outDir: join(service.dir, '.gantry', 'discovery') });
}

async function problems(files: Record<string, string>, handlers?: string[]) {
  const error = await load(files, handlers).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GantryBuildError);
  return (error as GantryBuildError).problems;
}

const TABLES = `import { table } from '@gantry/decorators';
export const Notes = table('notes', { partitionKey: { name: 'id', type: 'S' } });
`;

describe('loadHandlerModules', () => {
  it('builds the handler modules once and imports each, sharing imported values', async () => {
    const modules = await load({
      'src/tables.ts': TABLES,
      'src/notes.ts': `import { get, uses } from '@gantry/decorators';
import { Notes } from './tables.js';
export class NotesApi {
  @get('/notes/{id}') @uses(Notes, 'read') static read() { return 1; }
}`,
      'src/notes.test.ts': 'throw new Error("tests are not handlers")',
    });
    expect(modules.map((m) => m.file)).toEqual(['src/notes.ts', 'src/tables.ts']);
    const manifest = buildManifest(modules, { service: 's', stage: 'dev' });
    expect(manifest.functions.map((f) => [f.name, f.uses])).toEqual([
      ['notes-api-read', [{ table: 'notes', access: 'read' }]],
    ]);
    expect(manifest.tables.map((t) => t.name)).toEqual(['notes']);
  });

  it('names a module that throws on import, with its error', async () => {
    expect(
      await problems({
        'src/ok.ts': TABLES,
        'src/boom.ts': "export const x = 1;\nthrow new Error('DATABASE_URL is not set');\n",
      }),
    ).toEqual([
      'src/boom.ts: importing this module threw Error: DATABASE_URL is not set; fix the module so it loads without side effects that fail at build time.',
    ]);
  });

  it('reports a syntax error with file, line and column', async () => {
    const [problem] = await problems({ 'src/bad.ts': 'export const x = ;\n' });
    expect(problem).toMatch(/^src\/bad\.ts:1:17: Unexpected ";"/);
  });

  it('reports globs that match no file', async () => {
    expect(await problems({ 'src/a.ts': TABLES }, ['handlers/*.ts'])).toEqual([
      expect.stringMatching(
        /^custom\.gantry\.handlers \(handlers\/\*\.ts\) matched no file in .*; point it at the modules/,
      ),
    ]);
  });

  it('explains legacy decorators instead of crashing', async () => {
    const [problem] = await problems({
      'tsconfig.json': '{ "compilerOptions": { "experimentalDecorators": true } }',
      'src/a.ts': `import { get } from '@gantry/decorators';
export class A { @get('/a') static a() {} }`,
    });
    expect(problem).toContain('Gantry needs standard (TC39) decorators');
  });
});
