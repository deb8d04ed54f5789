import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOffline } from './support/offline.js';

const cwd = fileURLToPath(new URL('./fixtures/load/', import.meta.url));
const TABLE = 'fixture-load-dev-writes';

/** Writes with `connections` concurrent loops until `ms` passes; returns acknowledged ids and failures. */
async function writeFor(url: string, connections: number, ms: number, prefix: string) {
  const acknowledged: string[] = [];
  const failures: string[] = [];
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: connections }, async (_, c) => {
      for (let i = 0; Date.now() < until; i++) {
        const id = `${prefix}-${c}-${i}`;
        try {
          const response = await fetch(`${url}/writes`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ id, n: i }),
          });
          if (response.status === 201) acknowledged.push(id);
          else failures.push(`${id}: ${response.status} ${await response.text()}`);
        } catch (error) {
          failures.push(`${id}: ${String(error)}`);
          if (prefix === 'crash') return; // the server was killed: stop this loop
        }
      }
    }),
  );
  return { acknowledged, failures };
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

const endpointOf = (output: string) =>
  /DynamoDB \(local, IAM enforced\): (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';

beforeAll(async () => {
  await rm(new URL('./fixtures/load/.gantry/dynamodb-data', import.meta.url), { recursive: true, force: true });
});

describe('writes under load through the local run', () => {
  it('10 connections for 10 s: no errors, and every acknowledged write is in the table', async () => {
    const offline = await startOffline(cwd);
    try {
      const { acknowledged, failures } = await writeFor(offline.url, 10, 10_000, 'load');
      expect(failures).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(100);
      const stored = await storedIds(endpointOf(offline.output()));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await offline.stop();
    }
  });

  it('kill -9 during writes, then a restart: every acknowledged write is still there (persisted)', async () => {
    const first = await startOffline(cwd);
    const writing = writeFor(first.url, 10, 4_000, 'crash');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    first.kill('SIGKILL');
    const { acknowledged } = await writing;
    expect(acknowledged.length).toBeGreaterThan(10);

    const second = await startOffline(cwd);
    try {
      const stored = await storedIds(endpointOf(second.output()));
      expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      await second.stop();
    }
  });
});
