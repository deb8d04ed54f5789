import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';

interface DynaliteServer {
  listen(port: number, host: string, callback: () => void): void;
  address(): AddressInfo;
  close(callback: (error?: Error) => void): void;
  once(event: 'error', listener: (error: Error) => void): void;
}

// dynalite ships no types. It is DynamoDB's API on LevelDB: in memory, or on disk with `path`.
const dynalite = createRequire(import.meta.url)('dynalite') as (options: Record<string, unknown>) => DynaliteServer;

/** Starts dynalite on 127.0.0.1 (a free port): in memory, or persisted under `persistDir`. */
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
  return {
    url: new URL(`http://127.0.0.1:${server.address().port}`),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
