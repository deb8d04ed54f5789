import type { Plugin } from 'esbuild';
import { GantryBuildError } from '../errors.js';

/**
 * serverless-esbuild's `plugins` option with Gantry's page plugin added. It takes an array of
 * plugin objects (read at its `initialize` hook, which runs after Gantry's), so the plugin that
 * needs this build's Manifest is handed over in memory rather than through a file it would require.
 */
export function esbuildPluginsWith(current: unknown, plugin: Plugin): Plugin[] {
  if (current === undefined || current === null) return [plugin];
  if (Array.isArray(current)) return [...current.filter((p: Plugin) => p?.name !== plugin.name), plugin];
  throw new GantryBuildError([
    `custom.esbuild.plugins is ${JSON.stringify(current)}: Gantry adds its page plugin to serverless-esbuild's plugins, which it can do only to a list; write the service's config in serverless.js (or .ts) with \`plugins: [...]\` as plugin objects.`,
  ]);
}
