import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A request's body, or undefined when it is over `maxBytes`: then `tooLarge` has answered (each
 * service answers 413 its own way) and the rest of the request is drained and discarded, never
 * forwarded cut short.
 */
export function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  maxBytes: number,
  tooLarge: (res: ServerResponse) => void,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.off('data', onData);
      req.off('end', onEnd);
      req.resume(); // drain what is still coming, so the client reads the answer
      tooLarge(res);
      resolve(undefined);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}

export const stackOf = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));
