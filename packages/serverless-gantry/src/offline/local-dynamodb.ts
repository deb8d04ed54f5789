import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

interface DynaliteServer {
  listen(port: number, host: string, callback: () => void): void;
  listeners(event: 'request'): RequestListener[];
  address(): AddressInfo;
  close(callback: (error?: Error) => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
}

// dynalite ships no types. It is DynamoDB's API on LevelDB: in memory, or on disk with `path`.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, unknown>) => DynaliteServer;

/**
 * Starts dynalite on 127.0.0.1 (a free port): in memory, or persisted under `persistDir`. Also
 * returns its request handler, so the IAM endpoint can hand requests over in-process instead of
 * making a second HTTP hop per call.
 */
export async function startLocalDynamoDB(persistDir?: string) {
  if (persistDir) await mkdir(persistDir, { recursive: true });
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(persistDir ? { path: persistDir } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const [handle] = server.listeners('request');
  if (!handle) throw new Error('dynalite: no request handler');
  return {
    url: new URL(`http://127.0.0.1:${server.address().port}`),
    handle,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
