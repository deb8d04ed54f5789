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

/** How long a table a client creates, updates or deletes stays CREATING / UPDATING / DELETING. */
export const TABLE_TRANSITION_MS = 500;

/**
 * Starts dynalite on 127.0.0.1 (a free port): in memory, or persisted under `persistDir`. Also
 * returns its request handler, so the IAM endpoint can hand requests over in-process instead of
 * making a second HTTP hop per call. Tables change status instantly until `startTransitions()`.
 */
export async function startLocalDynamoDB(persistDir?: string, transitionMs = TABLE_TRANSITION_MS) {
  if (persistDir) await mkdir(persistDir, { recursive: true });
  // dynalite keeps this very object and reads its *TableMs at each CreateTable, UpdateTable and
  // DeleteTable (actions/createTable.js: `store.options.createTableMs`): zero while the Manifest's
  // tables are made, so they are ACTIVE before the first request; AWS-like transitions after.
  const options: Record<string, unknown> = {
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(persistDir ? { path: persistDir } : {}),
  };
  const server = dynalite(options);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const [handle] = server.listeners('request');
  if (!handle) throw new Error('dynalite: no request handler');
  return {
    url: new URL(`http://127.0.0.1:${server.address().port}`),
    handle,
    /** From now on tables go through CREATING / UPDATING / DELETING, as on AWS. */
    startTransitions: () => {
      options.createTableMs = transitionMs;
      options.updateTableMs = transitionMs;
      options.deleteTableMs = transitionMs;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
