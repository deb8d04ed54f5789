import { formatMessages, type Message } from 'esbuild';

/** An esbuild error's identity: several bundles importing one broken file report it once each. */
export const messageKey = (message: Message) =>
  message.location
    ? `${message.location.file}:${message.location.line}:${message.location.column}: ${message.text}`
    : message.text;

/** The errors of several bundles, each once, in the order first met. */
export function distinctMessages(messages: readonly Message[]): Message[] {
  const seen = new Map<string, Message>();
  for (const message of messages) if (!seen.has(messageKey(message))) seen.set(messageKey(message), message);
  return [...seen.values()];
}

/** One line for a function's answer while it does not build: the first error, and how many more. */
export function errorSummary(messages: readonly Message[]): string {
  const [first, ...rest] = distinctMessages(messages);
  if (!first) return 'esbuild failed';
  return `${messageKey(first)}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}

/**
 * What `sls offline` prints when a save leaves the service not building: each error once (esbuild's
 * own format: file:line:column, the source line and a caret), and what that means for requests.
 */
export async function buildErrorReport(
  messages: readonly Message[],
  functions: readonly string[],
  color = false,
): Promise<string> {
  const errors = distinctMessages(messages);
  const formatted = await formatMessages(errors, { kind: 'error', color });
  const count = `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  const who = functions.length === 1 ? `${functions[0]} answers` : `${functions.join(', ')} answer`;
  return `gantry: the service does not build (${count}): ${who} with the error until it is fixed; the other functions keep serving.\n${formatted.join('').trimEnd()}`;
}

/** The one line printed once the service builds again. */
export const buildsAgainLine = (functions: readonly string[]) =>
  `gantry: the service builds again; ${functions.join(', ')} ${functions.length === 1 ? 'serves' : 'serve'} the new code.`;
