import type { Invoke, InvokeOutcome } from '../../events/invoke.js';

/** serverless-offline's message when its own timer ends an invocation. */
export const OFFLINE_TIMEOUT = '[504] - Lambda timeout.';

/**
 * Invokes functions under `sls offline` as AWS's event sources invoke them: through Lambda's Invoke
 * API on serverless-offline's Lambda port (`POST /2015-03-31/functions/<deployed name>/invocations`),
 * so an event runs in the same worker, with the same environment and reload, as the function's requests.
 */
export function offlineInvoke(lambda: { host: string; port: number }, deployedNames: Record<string, string>): Invoke {
  const host = lambda.host.includes(':') ? `[${lambda.host}]` : lambda.host;
  return async (functionName, event): Promise<InvokeOutcome> => {
    const name = deployedNames[functionName] ?? functionName;
    let response: Response;
    try {
      response = await fetch(
        `http://${host}:${lambda.port}/2015-03-31/functions/${encodeURIComponent(name)}/invocations`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-amz-invocation-type': 'RequestResponse' },
          body: JSON.stringify(event),
        },
      );
    } catch (error) {
      return {
        type: 'error',
        error: { errorType: 'ServiceException', errorMessage: `sls offline's Lambda port: ${String(error)}` },
      };
    }
    const text = await response.text();
    const payload = text === '' ? undefined : parse(text);
    if (
      response.headers.get('x-amz-function-error') ||
      response.headers.get('x-amzn-errortype') ||
      response.status >= 300
    ) {
      const failure = (payload ?? {}) as { errorType?: string; errorMessage?: string; Message?: string };
      const errorMessage = failure.errorMessage ?? failure.Message ?? text;
      if (errorMessage === OFFLINE_TIMEOUT) return { type: 'timeout' };
      return { type: 'error', error: { errorType: failure.errorType ?? 'Error', errorMessage } };
    }
    return { type: 'result', result: payload };
  };
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
