/** A hook as osls 4's plugin manager keeps it (`pluginManager.hooks[event]`). */
interface HookEntry {
  pluginName: string;
  hook: () => Promise<unknown>;
}

/** The slice of osls's plugin manager this reads: its hooks by event, and the plugin instances. */
export interface StartHooks {
  hooks: Record<string, HookEntry[] | undefined>;
  plugins?: unknown[];
}

// `sls offline` runs offline:start (serverless-offline's start and wait), `sls offline start` runs
// offline:start:init; serverless-esbuild bundles in the before: events, after Gantry's hook.
const START_EVENTS = ['before:offline:start', 'offline:start', 'before:offline:start:init', 'offline:start:init'];

/**
 * Makes a start-up failure of any other plugin under `sls offline` stop the run instead of hanging.
 * osls reports a failed hook and sets exit code 1, but only exits once nothing keeps Node's event
 * loop busy, and by then Gantry's front and local DynamoDB listen, and serverless-offline may hold
 * its Lambda port: a 502 front and held ports. So each other plugin's start hook is wrapped: when it
 * throws, `stop` releases what was started (and serverless-offline's servers), then the error goes
 * on to osls unchanged, which prints it, and the process exits with code 1. osls has no failure hook; wrapping its hook entries is the
 * one place that sees the error.
 */
export function stopOnStartFailure(manager: StartHooks, self: string, stop: (error: unknown) => Promise<void>): void {
  for (const event of START_EVENTS) {
    for (const entry of manager.hooks[event] ?? []) {
      if (entry.pluginName === self) continue;
      const start = entry.hook;
      entry.hook = async () => {
        try {
          return await start();
        } catch (error) {
          await stop(error);
          exitOnceReported();
          throw error;
        }
      };
    }
  }
}

/**
 * osls prints the error and sets exit code 1 as soon as the hook's rejection reaches it, then waits
 * for the event loop to empty; serverless-esbuild's file watcher (which it keeps no handle to) never
 * lets it. So once the error has had time to be printed, exit with code 1. The timer is unref'd: when
 * nothing else is left, Node exits earlier by itself.
 */
function exitOnceReported(graceMs = 1_000): void {
  process.exitCode = 1;
  setTimeout(() => process.exit(1), graceMs).unref();
}

/** serverless-offline's plugin instance, whose `end(true)` stops its servers without exiting. */
export function serverlessOffline(manager: StartHooks): { end(skipExit: boolean): Promise<void> } | undefined {
  return manager.plugins?.find(
    (plugin): plugin is { end(skipExit: boolean): Promise<void> } =>
      (plugin as { constructor?: { name?: string } })?.constructor?.name === 'ServerlessOffline' &&
      typeof (plugin as { end?: unknown }).end === 'function',
  );
}
