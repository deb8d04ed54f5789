/**
 * The kit's log entries as a person reads them in a local terminal: one line per request, batch or
 * scheduled run, and an error's stack on the lines below it, as Node prints one. Deployed, the kit
 * writes JSON (CloudWatch Logs Insights queries its fields); `sls offline --verbose` shows the JSON.
 *
 * `functionName` is the function as the service's route table names it (`sls offline` passes it).
 */
export function logLine(functionName: string | undefined) {
  return (level: string, entry: Record<string, unknown>): string => {
    const fn = functionName ?? text(entry.function);
    const ran = `${text(entry.durationMs)} ms ${fn}${entry.coldStart === true ? ' (cold start)' : ''}`;
    switch (entry.msg) {
      case 'request':
        return `${text(entry.method)} ${text(entry.path ?? entry.route)} ${text(entry.status)} ${ran}\n`;
      case 'batch':
        return `${level === 'info' ? '' : `${level.toUpperCase()} `}batch of ${text(entry.records)} ${entry.records === 1 ? 'record' : 'records'} (${text(entry.failed)} failed) ${ran}\n`;
      case 'scheduled':
        return entry.error === undefined ? `schedule ${ran}\n` : `ERROR schedule ${ran}: ${text(entry.error)}\n`;
      default:
        return other(level, entry);
    }
  };
}

/** Any other entry (errors, the user's own): level, message, request id, fields, then the stack. */
function other(level: string, entry: Record<string, unknown>): string {
  const { msg, requestId, error, ...fields } = entry;
  let line = `${level.toUpperCase()} ${text(msg)}`;
  if (requestId !== undefined) line += ` (request ${text(requestId)})`;
  for (const [key, value] of Object.entries(fields)) line += ` ${key}=${text(value)}`;
  if (error === undefined) return `${line}\n`;
  if (typeof error !== 'object' || error === null) return `${line}: ${text(error)}\n`;
  return `${line}\n${stackOf(error as Record<string, unknown>)}\n`;
}

/** A serialized error (`serializeError`) as Node prints one: its stack, then each cause's. */
function stackOf(error: Record<string, unknown>): string {
  const own =
    typeof error.stack === 'string'
      ? error.stack
      : error.message !== undefined
        ? `${text(error.name ?? 'Error')}: ${text(error.message)}`
        : text(error.value ?? error);
  const cause = error.cause;
  return typeof cause === 'object' && cause !== null
    ? `${own}\n[cause]: ${stackOf(cause as Record<string, unknown>)}`
    : own;
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '-' : JSON.stringify(value);
