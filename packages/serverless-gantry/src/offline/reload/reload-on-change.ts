import { relative, sep } from 'node:path';
import picomatch from 'picomatch';
import type { BuiltService } from '../../build-service.js';
import { GantryBuildError } from '../../errors.js';
import type { Manifest } from '../../manifest.js';
import type { LocalRun } from '../run/local-run.js';
import { rediscover } from '../run/rediscover.js';
import { buildErrorReport, buildsAgainLine, messageKey } from './build-report.js';
import { type CodeReload, type CodeRound, startCodeReload } from './code-reload.js';
import type { PluginInstances, ServiceFunctions } from './serverless-esbuild-handover.js';
import { handlerDirs, watchSources } from './watch-sources.js';

export interface ReloadLog {
  notice(message: string): void;
  warning(message: string): void;
  error(message: string): void;
}

/** The other plugins a reload works with: osls's plugin manager, and the service's functions. */
export interface ReloadPlugins {
  pluginManager: PluginInstances;
  functions: ServiceFunctions;
  /** Resolves when no function has run for a while: background builds wait for it (see startCodeReload). */
  whenIdle?: () => Promise<void>;
}

// What serverless-offline and the event engine fixed at start: functions, routes and triggers.
const routeKeys = (manifest: Manifest) =>
  JSON.stringify(manifest.functions.map((f) => [f.name, f.routes.map((r) => `${r.method} ${r.path}`), f.triggers]));

/**
 * While `sls offline` runs, a save is picked up without a restart (see docs/architecture.md,
 * "Reload"). Code: with `plugins`, Gantry rebuilds the bundles the saved file goes into (an
 * incremental esbuild context per bundle) and each function whose bundle changed runs the new build
 * from its next invocation, while invocations in flight finish on the code they started with; a
 * build error is printed once, and the functions that need the broken code answer with it until it
 * is fixed. Without `plugins`, serverless-esbuild's own watch rebuilds as before. Tables and
 * permissions: a save to a handler module runs discovery again (on a short-lived thread), creates new
 * tables and indexes and replaces every function's policy. Routes are fixed by serverless-offline at
 * start: a change to them is reported with the advice to restart. Returns the function that stops it.
 */
export function reloadOnChange(
  built: BuiltService,
  run: LocalRun,
  log: ReloadLog,
  plugins?: ReloadPlugins,
): () => Promise<void> {
  const { servicePath } = built.input;
  const served = routeKeys(built.manifest);
  const isHandler = picomatch(built.options.handlers);
  const color = Boolean(process.stderr.isTTY);
  let stopped = false;
  // The errors printed last (their keys): the same errors after another save are not printed again.
  let printedErrors = '';
  let printedProblems = '';
  let discovering: Promise<void> | undefined;
  // A save while discovery runs: one more run after it, with that save's code round.
  let discoverAgain: Promise<CodeRound | undefined> | undefined;

  const code: CodeReload | undefined = plugins
    ? startCodeReload(plugins.pluginManager, plugins.functions, () => watcher.add(code?.sourceDirs() ?? []), {
        whenIdle: plugins.whenIdle,
      })
    : undefined;
  const watcher = watchSources(servicePath, handlerDirs(servicePath, built.options.handlers), (files) => {
    if (stopped) return;
    const round = code ? code.rebuild(files).then(reportCode, reportFailure) : Promise.resolve(undefined);
    const relativeFiles = files.map((file) => relative(servicePath, file).split(sep).join('/'));
    if (relativeFiles.some((file) => isHandler(file))) discover(round);
  });

  async function reportCode(round: CodeRound): Promise<CodeRound> {
    if (round.errors.length > 0) {
      const keys = round.errors.map(messageKey).join('\n');
      if (keys !== printedErrors) log.error(await buildErrorReport(round.errors, round.failing, color));
      printedErrors = keys;
    } else {
      printedErrors = '';
    }
    const fixed = round.fixed;
    const rebuilt = round.swapped.filter((fn) => !fixed.includes(fn));
    if (fixed.length > 0) log.notice(buildsAgainLine(fixed));
    if (rebuilt.length > 0) log.notice(`gantry: new code for ${rebuilt.join(', ')}`);
    return round;
  }

  function reportFailure(error: unknown): undefined {
    log.error(`gantry: rebuilding failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }

  // One discovery at a time; saves meanwhile make one more run after it.
  function discover(round: Promise<CodeRound | undefined>) {
    if (discovering) {
      discoverAgain = round;
      return;
    }
    discovering = (async () => {
      let next: Promise<CodeRound | undefined> | undefined = round;
      while (next && !stopped) {
        discoverAgain = undefined;
        await discoverOnce(next);
        next = discoverAgain;
      }
    })().finally(() => {
      discovering = undefined;
    });
  }

  /** `round`: the code round of the same save, whose errors are printed already. */
  async function discoverOnce(round: Promise<CodeRound | undefined>) {
    try {
      const next = await rediscover(built.input);
      if (stopped) return;
      const summary = await run.update(next.manifest, next.fragment);
      printedProblems = '';
      const created = [
        ...summary.createdTables.map((t) => `table ${t}`),
        ...summary.createdIndexes.map((i) => `index ${i}`),
      ];
      log.notice(`gantry: reloaded tables and permissions${created.length ? ` (created ${created.join(', ')})` : ''}`);
      if (summary.keptKeys.length > 0) {
        log.warning(
          `gantry: the keys of ${summary.keptKeys.join(', ')} changed; local tables keep their keys until you restart sls offline without persisted data`,
        );
      }
      if (routeKeys(next.manifest) !== served)
        log.warning('gantry: functions, routes or triggers changed; restart sls offline to serve them');
    } catch (error) {
      // A newer save is being discovered: this failure may be fixed already, and that run reports.
      if (stopped || discoverAgain) return;
      // A syntax error fails discovery too: the code's report of the same save already shows it,
      // with its source line, so only the problems it does not show are printed here.
      const shown = new Set((await round)?.errors.map(messageKey));
      const problems =
        error instanceof GantryBuildError ? error.problems.filter((problem) => !shown.has(problem)) : undefined;
      if (problems?.length === 0) return;
      const text = problems
        ? new GantryBuildError(problems).message
        : String(error instanceof Error ? error.message : error);
      if (text !== printedProblems) log.error(`gantry: ${text}`);
      printedProblems = text;
    }
  }

  return async () => {
    stopped = true;
    await watcher.stop();
    await discovering;
    await code?.stop();
  };
}
