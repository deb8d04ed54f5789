import { GantryError } from '../errors.js';
import type { Manifest } from '../manifest.js';
import { offlineInvoke } from '../offline/run/offline-invoke.js';
import { scheduleDeclarations } from './event-engine.js';
import { startScheduleRunner } from './schedule-runner.js';

export interface InvokeCommandOptions {
  function?: string;
  schedule?: string;
  lambdaPort?: string;
  host?: string;
}

/**
 * `sls gantry invoke --function <name>`: runs a scheduled function now in the running `sls offline`,
 * with the event its schedule sends (through serverless-offline's Lambda port). Returns the lines to print.
 */
export async function invokeCommand(
  manifest: Manifest,
  functions: Record<string, unknown> | null | undefined,
  offline: { host?: unknown; lambdaPort?: unknown } | undefined,
  options: InvokeCommandOptions,
): Promise<string> {
  const declarations = scheduleDeclarations(manifest);
  const scheduled = [...new Set(declarations.map((d) => d.functionName))];
  if (!options.function || !scheduled.includes(options.function)) {
    throw new GantryError(
      `gantry invoke: --function must name a scheduled function of this service: ${scheduled.join(', ') || 'it has none'}.`,
    );
  }
  const lambda = {
    host: String(options.host ?? offline?.host ?? '127.0.0.1'),
    port: Number(options.lambdaPort ?? offline?.lambdaPort ?? 3002),
  };
  const names = Object.fromEntries(
    Object.entries(functions ?? {}).flatMap(([key, fn]) => {
      const name = (fn as { name?: unknown } | null)?.name;
      return typeof name === 'string' ? [[key, name]] : [];
    }),
  );
  const runner = startScheduleRunner({
    schedules: declarations,
    invoke: offlineInvoke(lambda, names),
    enabled: false,
    log: { notice: () => undefined, warning: () => undefined },
  });
  try {
    const outcome = await runner.fire(options.function, options.schedule);
    if (outcome.type === 'result') return `${JSON.stringify(outcome.result ?? null)}\n`;
    if (outcome.type === 'timeout') throw new GantryError(`gantry invoke: ${options.function} timed out.`);
    if (/sls offline's Lambda port/.test(outcome.error.errorMessage)) {
      throw new GantryError(
        `gantry invoke: nothing answers on ${lambda.host}:${lambda.port}; start sls offline first (or give its --lambdaPort).`,
      );
    }
    throw new GantryError(
      `gantry invoke: ${options.function} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
    );
  } finally {
    runner.stop();
  }
}
