import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, context } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { loadHandlerModules } from '../src/discover/load-modules.js';
import type { Manifest } from '../src/manifest.js';
import { esbuildPluginsWith } from '../src/page/esbuild-plugins-option.js';
import { pageBundlePlugin } from '../src/page/page-bundle-plugin.js';
import { tempService } from './support/temp-service.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((remove) => remove()));
});

// Only what the plugin reads of a Manifest; the table name is there to show it stays out.
const manifest = {
  functions: [
    {
      name: 'notes-api-read',
      class: 'NotesApi',
      method: 'read',
      routes: [{ method: 'GET', path: '/notes/{id}' }],
      environment: { GANTRY_TABLE_NOTES: 'svc-dev-notes' },
    },
  ],
  tables: [{ name: 'notes', tableName: 'svc-dev-notes' }],
} as unknown as Manifest;

const SERVICE = {
  // The server side: the page's bundle, as text.
  'src/web.ts': `import script from 'gantry-page:./web/page-script.ts';\nexport const page = script;\n`,
  // The browser side: touches the DOM as it loads, imports the routes and a module of its own.
  'src/web/page-script.ts': `import manifest from 'gantry:routes';
import { greeting } from './greeting.js';
document.title = greeting + ' ' + manifest.functions[0].routes[0].path;
`,
  'src/web/greeting.ts': `export const greeting: string = 'Hello from the page';\n`,
};

async function service(files: Record<string, string> = SERVICE) {
  const created = await tempService(files);
  cleanups.push(created.remove);
  return created.dir;
}

/** Builds src/web.ts for Node as serverless-esbuild does (with the plugin) and imports it. */
async function servedPage(dir: string): Promise<string> {
  const outfile = join(dir, 'out', 'web.mjs');
  await build({
    absWorkingDir: dir,
    entryPoints: ['src/web.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
    plugins: [pageBundlePlugin({ manifest })],
  });
  return ((await import(`${pathToFileURL(outfile).href}?${Date.now()}`)) as { page: string }).page;
}

describe('the page plugin', () => {
  it("gives a gantry-page: import the module's browser bundle as text, with the Manifest's routes only", async () => {
    const page = await servedPage(await service());
    expect(page).toContain('Hello from the page'); // its own imports are bundled in
    expect(page).toContain('"/notes/{id}"');
    expect(page).toContain('NotesApi');
    expect(page).not.toContain('svc-dev-notes'); // table names and environment stay on the server
    expect(page).not.toMatch(/^import |\bimport\(/m); // nothing left for the browser to fetch
    expect(page).not.toContain('\n'); // minified
  });

  it('rebuilds the page when its source changes, in the same esbuild context (serverless-esbuild under watch)', async () => {
    const dir = await service();
    const build = await context({
      absWorkingDir: dir,
      entryPoints: ['src/web.ts'],
      bundle: true,
      platform: 'node',
      write: false,
      logLevel: 'silent',
      plugins: [pageBundlePlugin({ manifest })],
    });
    try {
      expect((await build.rebuild()).outputFiles?.[0]?.text).toContain('Hello from the page');
      await writeFile(join(dir, 'src/web/greeting.ts'), `export const greeting: string = 'Edited';\n`);
      const rebuilt = (await build.rebuild()).outputFiles?.[0]?.text;
      expect(rebuilt).toContain('Edited');
      expect(rebuilt).not.toContain('Hello from the page');
    } finally {
      await build.dispose();
    }
  });

  it("reports an error in the page's source at its file", async () => {
    const dir = await service({ ...SERVICE, 'src/web/greeting.ts': 'export const greeting = ;\n' });
    await expect(servedPage(dir)).rejects.toThrow(
      /src\/web\/greeting\.ts:1:\d+: ERROR: \[plugin: gantry-page\] Unexpected ";"/,
    );
  });

  it('discovery builds a page script that matches the handler globs but never imports it in Node', async () => {
    const dir = await service();
    const modules = await loadHandlerModules({
      servicePath: dir,
      handlers: ['src/**/*.ts'],
      outDir: join(dir, '.gantry', 'discovery'),
    });
    // page-script.ts sets document.title as it loads: imported in Node, discovery would fail.
    expect(modules.map((m) => m.file)).toEqual(['src/web.ts', 'src/web/greeting.ts']);
  });
});

describe("serverless-esbuild's plugins option with the page plugin", () => {
  const page = pageBundlePlugin({ manifest });
  const other = { name: 'users-plugin', setup() {} };

  it('is the page plugin alone, or added after the service’s own plugins (once, on a rerun)', () => {
    expect(esbuildPluginsWith(undefined, page)).toEqual([page]);
    expect(esbuildPluginsWith([other], page)).toEqual([other, page]);
    expect(esbuildPluginsWith([other, pageBundlePlugin()], page)).toEqual([other, page]);
  });

  it('refuses a path to a plugins file, which it cannot add to, naming the fix', () => {
    expect(() => esbuildPluginsWith('./esbuild-plugins.js', page)).toThrow(
      /custom\.esbuild\.plugins is "\.\/esbuild-plugins\.js".*serverless\.js/,
    );
  });
});
