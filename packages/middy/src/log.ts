import { logLine } from './log-line.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** `json`: one object per line, for CloudWatch Logs. `line`: one short line a person reads. */
export type LogFormat = 'json' | 'line';

export interface Logger {
  readonly level: LogLevel;
  log(level: Exclude<LogLevel, 'silent'>, entry: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Defaults to `LOG_LEVEL` from the environment, then `info`. */
  level?: LogLevel;
  /** Where lines go; defaults to stdout, which Lambda sends to CloudWatch Logs. */
  write?: (line: string) => void;
  /**
   * Defaults to `json`; `line` where `GANTRY_LOCAL_LOG_FORMAT=line`, which `sls offline` sets (not
   * with `--verbose`): `GET /notes/n1 200 1.2 ms notes-api-read (cold start)`, errors with their stack.
   */
  format?: LogFormat;
}

/**
 * A JSON-lines logger: one object per line, `level` and `time` (epoch ms) first. Epoch ms rather
 * than an ISO string: it costs a tenth (CloudWatch stamps every line anyway), on every request. A
 * line that carries metrics has no `time`: its `_aws.Timestamp` is that time.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const configured = options.level ?? (process.env.LOG_LEVEL?.toLowerCase() as LogLevel | undefined);
  const level: LogLevel = configured && configured in LEVELS ? configured : 'info';
  const threshold = LEVELS[level];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const format = options.format ?? (process.env.GANTRY_LOCAL_LOG_FORMAT === 'line' ? 'line' : 'json');
  const render =
    format === 'line'
      ? logLine(process.env.GANTRY_LOCAL_FUNCTION ?? process.env.AWS_LAMBDA_FUNCTION_NAME)
      : (at: string, entry: Record<string, unknown>) =>
          // A line with metrics has its time in `_aws.Timestamp` (the same epoch ms): not twice.
          '_aws' in entry
            ? `{"level":"${at}",${JSON.stringify(entry).slice(1)}\n`
            : `{"level":"${at}","time":${Date.now()},${JSON.stringify(entry).slice(1)}\n`;
  return {
    level,
    log(at, entry) {
      if (LEVELS[at] < threshold) return;
      write(render(at, entry));
    },
  };
}
