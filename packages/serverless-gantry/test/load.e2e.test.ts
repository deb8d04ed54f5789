import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type WriteOutcome, writeConcurrently } from './support/load.js';
import { startOffline } from './support/offline.js';

const cwd = fileURLToPath(new URL('./fixtures/load/', import.meta.url));
const TABLE = 'fixture-load-dev-writes';

/** One POST /writes: acknowledged when the API answers 201. */
async function write(url: string, id: string): Promise<WriteOutcome> {
  try {
    const response = await fetch(`${url}/writes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, n: 1 }),
    });
    if (response.status === 201) return { acknowledged: id };
    return { failure: `${id}: ${response.status} ${await response.text()}` };
  } catch (error) {
    return { failure: `${id}: ${String(error)}` };
  }
}

async function storedIds(endpoint: string): Promise<Set<string>> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'x' },
  });
  const ids = new Set<string>();
  for await (const page of paginateScan({ client: DynamoDBDocumentClient.from(client) }, { TableName: TABLE })) {
    for (const item of page.Items ?? []) ids.add(String(item.id));
  }
  client.destroy();
  return ids;
}

// `--noTimeout`: on a machine shared with other work, a request can wait longer than the function's
// timeout for a CPU, which Lambda (a CPU per environment) never makes it do. What this file checks is
// that nothing is lost; timeouts are tested in faults.e2e.
const LOAD = ['--noTimeout'];

const endpointOf = (output: string) =>
  /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';

beforeAll(async () => {
  await rm(new URL('./fixtures/load/.gantry/dynamodb-data', import.meta.url), { recursive: true, force: true });
});

describe('writes under load through the local run', () => {
  it('10 connections, 300 writes: no errors, and every acknowledged write is in the table', async () => {
    const offline = await startOffline(cwd, LOAD);
    try {
      const { acknowledged, failures } = await writeConcurrently({
        connections: 10,
        enough: 300,
        write: (c, i) => write(offline.url, `load-${c}-${i}`),
      });
      expect(failures).toEqual([]);
      expect(acknowledged.length).toBeGreaterThanOrEqual(300);
      const stored = await storedIds(endpointOf(offline.output()));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await offline.stop();
    }
  });

  it('kill -9 after 50 acknowledged writes, then a restart: every acknowledged write is still there (persisted)', async () => {
    const first = await startOffline(cwd, LOAD);
    const { acknowledged } = await writeConcurrently({
      connections: 10,
      enough: 50,
      write: (c, i) => write(first.url, `crash-${c}-${i}`),
      onEnough: () => first.kill('SIGKILL'),
      stopOnFailure: true,
    });
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);

    const second = await startOffline(cwd, LOAD);
    try {
      const stored = await storedIds(endpointOf(second.output()));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
