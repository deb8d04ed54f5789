const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface Logger {
  readonly level: LogLevel;
  log(level: Exclude<LogLevel, 'silent'>, entry: Record<string, unknown>): void;
}

export interface LoggerOptions {
  /** Defaults to `LOG_LEVEL` from the environment, then `info`. */
  level?: LogLevel;
  /** Where lines go; defaults to stdout, which Lambda sends to CloudWatch Logs. */
  write?: (line: string) => void;
}

/**
 * A JSON-lines logger: one object per line, `level` and `time` (epoch ms) first. Epoch ms rather
 * than an ISO string: it costs a tenth (CloudWatch stamps every line anyway), on every request.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const configured = options.level ?? (process.env.LOG_LEVEL?.toLowerCase() as LogLevel | undefined);
  const level: LogLevel = configured && configured in LEVELS ? configured : 'info';
  const threshold = LEVELS[level];
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  return {
    level,
    log(at, entry) {
      if (LEVELS[at] < threshold) return;
      write(`{"level":"${at}","time":${Date.now()},${JSON.stringify(entry).slice(1)}\n`);
    },
  };
}
