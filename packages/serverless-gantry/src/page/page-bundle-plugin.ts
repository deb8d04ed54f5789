import { resolve } from 'node:path';
import { type BuildResult, build, type Message, type Plugin, type PluginBuild } from 'esbuild';
import type { Manifest } from '../manifest.js';

/** A module imported as `gantry-page:<path>` becomes that TypeScript's browser bundle, as text. */
export const PAGE_PREFIX = 'gantry-page:';
/** The page's route data: the Manifest's class, method and routes of each function, nothing else. */
export const PAGE_ROUTES = 'gantry:routes';

/** What `gantry:routes` holds: the shape `routesFromManifest` of `@gantry/client` reads. */
export interface PageRoutes {
  functions: { class: string; method: string; routes: { method: string; path: string }[] }[];
}

export interface PageBundleOptions {
  /**
   * The service's Manifest. Absent while discovering (the Manifest is being made): a page bundle is
   * then an empty string, since discovery only reads the decorators' metadata.
   */
  manifest?: Manifest;
  /** Called with the absolute path of each page source met, so discovery does not import it in Node. */
  onPageSource?: (file: string) => void;
}

/** Only what a page needs to call the API: table names and environment stay out of the browser. */
export function pageRoutes(manifest: Manifest): PageRoutes {
  return {
    functions: manifest.functions.map((fn) => ({
      class: fn.class,
      method: fn.method,
      routes: fn.routes.map((route) => ({ method: route.method, path: route.path })),
    })),
  };
}

/**
 * An esbuild plugin: `import script from 'gantry-page:./web/page-script.ts'` gives the browser
 * bundle of that module (minified ESM, its imports bundled in) as a string, built as part of the
 * same build, so `sls package`, `sls offline` (and its rebuild on save), and `startLocalService`
 * serve the page built from the sources they see; nothing generated is committed. The page imports
 * its route data from `gantry:routes`, made from this build's Manifest.
 */
export function pageBundlePlugin(options: PageBundleOptions = {}): Plugin {
  const routes = JSON.stringify(options.manifest ? pageRoutes(options.manifest) : { functions: [] });
  return {
    name: 'gantry-page',
    setup(outer) {
      // The outer build's folder, so the page's errors and inputs are named as the service's files are.
      const workingDir = outer.initialOptions.absWorkingDir ?? process.cwd();
      outer.onResolve({ filter: /^gantry-page:/ }, (args) => {
        const path = resolve(args.resolveDir, args.path.slice(PAGE_PREFIX.length));
        options.onPageSource?.(path);
        return { path, namespace: 'gantry-page' };
      });
      // Discovery builds the page's own module too (it matches the handler globs): give it the routes.
      provideRoutes(outer, routes);
      outer.onLoad({ filter: /.*/, namespace: 'gantry-page' }, async (args) => {
        if (!options.manifest) return { contents: 'export default "";', loader: 'js' };
        let page: BuildResult<{ write: false; metafile: true }>;
        try {
          page = await build({
            entryPoints: [args.path],
            absWorkingDir: workingDir,
            bundle: true,
            minify: true,
            format: 'esm',
            platform: 'browser',
            target: 'es2022',
            write: false,
            metafile: true,
            logLevel: 'silent',
            plugins: [{ name: 'gantry-routes', setup: (inner: PluginBuild) => provideRoutes(inner, routes) }],
          });
        } catch (error) {
          // The page's own type or syntax errors, reported by the outer build at the page's file.
          return { errors: (error as { errors?: Message[] }).errors ?? [{ text: String(error) }] };
        }
        const text = page.outputFiles[0]?.text ?? '';
        return {
          contents: `export default ${JSON.stringify(text.trimEnd())};`,
          loader: 'js',
          // A rebuild (serverless-esbuild's watch) rebuilds the page when one of its modules changes.
          watchFiles: Object.keys(page.metafile.inputs)
            .filter((input) => !input.includes(':'))
            .map((input) => resolve(workingDir, input)),
        };
      });
    },
  };
}

function provideRoutes(build: PluginBuild, routes: string): void {
  build.onResolve({ filter: /^gantry:routes$/ }, () => ({ path: PAGE_ROUTES, namespace: 'gantry-routes' }));
  build.onLoad({ filter: /.*/, namespace: 'gantry-routes' }, () => ({ contents: routes, loader: 'json' }));
}
