/**
 * The slice of the logger osls hands each plugin that this uses: osls logs through the `log`
 * package, one logger per namespace and level, each with `disable()` (which returns `restore`).
 */
interface LevelLogger {
  levelRoot?: { get?: (namespace: string) => { disable?: () => { restore(): void } } };
}

/** Where osls puts serverless-offline's logs: `getPluginWriters('serverless-offline')`. */
const OFFLINE_NAMESPACE = 'serverless:plugin:serverless-offline';
/** A call made by code of the serverless-offline package (its `src/`, or a build of it). */
const OFFLINE_CODE = /[\\/]node_modules[\\/]serverless-offline[\\/]/;

export interface QuietOffline {
  /** serverless-offline has started (its ports listen): nothing of it goes through console.log now. */
  started(): void;
  /** Shows everything again (at stop). */
  restore(): void;
}

/**
 * Hides what serverless-offline prints for a person to read under `sls offline`, since Gantry says
 * it better, and some of it is wrong behind Gantry's front: at start its routes box (with the
 * internal port's URLs and its `/2015-03-31/functions/…/invocations` routes), "Server ready" on that
 * port, the Lambda port and function names; on every request blank lines, `GET /x (λ: fn)` and the
 * `RequestId … Billed Duration` line (the kit prints one line per request instead). Its warnings and
 * errors are not touched, nor is anything a function prints.
 *
 * serverless-offline has no switch for any of this. Its lines are notices of its own osls logger,
 * which the `log` package lets a program disable at run time (`logger.disable()`, documented with
 * `restore`); its routes box and a blank line go to console.log, which is filtered only while it
 * starts, and only for calls whose direct caller is serverless-offline's own code. Forking it or
 * patching its modules was the alternative; this survives its upgrades, and fails open: if the
 * logger is not the `log` package's, nothing is hidden (undefined is returned).
 */
export function quietServerlessOffline(pluginLog: unknown): QuietOffline | undefined {
  const offlineLog = (pluginLog as LevelLogger | undefined)?.levelRoot?.get?.(OFFLINE_NAMESPACE);
  if (typeof offlineLog?.disable !== 'function') return undefined;
  const notices = offlineLog.disable();
  const original = console.log;
  const filtered = function (this: unknown, ...args: unknown[]) {
    if (calledFromServerlessOffline(filtered)) return;
    original.apply(this, args);
  };
  console.log = filtered;
  const started = () => {
    if (console.log === filtered) console.log = original;
  };
  return {
    started,
    restore: () => {
      started();
      notices.restore();
    },
  };
}

/** True when the function that called `wrapper` is serverless-offline's code. */
function calledFromServerlessOffline(wrapper: (...args: unknown[]) => void): boolean {
  const trace: { stack?: string } = {};
  Error.captureStackTrace(trace, wrapper);
  const caller = trace.stack?.split('\n')[1] ?? '';
  return OFFLINE_CODE.test(caller);
}
