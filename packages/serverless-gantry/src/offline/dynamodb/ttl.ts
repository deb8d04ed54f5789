import { readFileSync, writeFileSync } from 'node:fs';
import type { Agent } from 'node:http';
import type { Answer } from './transactions.js';
import { callDynamo } from './wire.js';

type Json = Record<string, unknown>;

export interface TtlOptions {
  upstream: URL;
  agent: Agent;
  /** Key attribute names of a table; undefined when it does not exist. */
  keyNames: (table: string) => Promise<string[] | undefined>;
  /** Runs work holding the endpoint's lock (shared). */
  withLock: <T>(exclusive: boolean, work: () => Promise<T>) => Promise<T>;
  /** Where TTL settings survive restarts (with `offline.persist`). */
  stateFile?: string | undefined;
  sweepMs: number;
  /** How long DescribeTimeToLive shows ENABLING / DISABLING after a change (AWS: up to an hour). */
  transitionMs?: number | undefined;
  /** How long an expired item stays readable before the background sweep deletes it. */
  deleteAfterMs?: number | undefined;
  /**
   * Tables with a stream: their expired items are deleted holding the lock alone, and each deletion
   * is handed over (the item as it was) for the stream's record.
   */
  changes?: { streamed(table: string): boolean; expired(table: string, item: Json): void } | undefined;
}

/** Default of how long expired items stay readable: AWS deletes them "within a few days". */
export const TTL_DELETE_AFTER_MS = 2 * 86_400_000;
// AWS never deletes an item whose TTL timestamp is more than five years in the past.
const FIVE_YEARS_S = Math.round(5 * 365.25 * 86_400);

/** Locally, how long a TTL change stays ENABLING / DISABLING. */
export const TTL_TRANSITION_MS = 2000;
// DynamoDB refuses a second UpdateTimeToLive on a table within an hour of the last one.
const CHANGE_INTERVAL_MS = 60 * 60_000;

/**
 * Time to live, which dynalite lacks: UpdateTimeToLive / DescribeTimeToLive answered as DynamoDB
 * answers them, and a background sweep that deletes items whose TTL attribute (epoch seconds) has
 * passed, each with a condition so an item updated meanwhile is kept. (DynamoDB deletes within
 * days; locally the sweep runs every few seconds.)
 */
export function createTtl(options: TtlOptions) {
  const attributes = new Map<string, string>(Object.entries(readState(options.stateFile)));
  const now = Date.now;
  const transitionMs = options.transitionMs ?? TTL_TRANSITION_MS;
  // The last UpdateTimeToLive per table (in memory: a restart forgets it).
  const changes = new Map<string, { at: number; enabled: boolean }>();
  const save = () => {
    if (options.stateFile) writeFileSync(options.stateFile, JSON.stringify(Object.fromEntries(attributes), null, 2));
  };

  async function tableExists(table: string): Promise<Answer | undefined> {
    const described = await callDynamo(options.upstream, options.agent, 'DescribeTable', { TableName: table });
    return described.status === 200 ? undefined : { status: described.status, body: described.body };
  }

  async function update(body: Json): Promise<Answer> {
    const table = String(body.TableName);
    const spec = body.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
    const missing = await tableExists(table);
    if (missing) return missing;
    if (!spec?.AttributeName || typeof spec.Enabled !== 'boolean') {
      return {
        status: 400,
        body: {
          __type: 'com.amazon.coral.validate#ValidationException',
          message: 'TimeToLiveSpecification needs AttributeName and Enabled',
        },
      };
    }
    const current = attributes.get(table);
    const refusal =
      spec.Enabled && current === spec.AttributeName
        ? 'TimeToLive is already enabled'
        : spec.Enabled && current
          ? 'TimeToLive is active on a different AttributeName'
          : (changes.get(table)?.at ?? Number.NEGATIVE_INFINITY) > now() - CHANGE_INTERVAL_MS
            ? 'Time to live has been modified multiple times within a fixed interval'
            : undefined;
    if (refusal) {
      return { status: 400, body: { __type: 'com.amazon.coral.validate#ValidationException', message: refusal } };
    }
    if (spec.Enabled) attributes.set(table, spec.AttributeName);
    else attributes.delete(table);
    changes.set(table, { at: now(), enabled: spec.Enabled });
    save();
    return {
      status: 200,
      body: { TimeToLiveSpecification: { AttributeName: spec.AttributeName, Enabled: spec.Enabled } },
    };
  }

  async function describe(body: Json): Promise<Answer> {
    const table = String(body.TableName);
    const missing = await tableExists(table);
    if (missing) return missing;
    const attribute = attributes.get(table);
    const change = changes.get(table);
    const settling = change && now() - change.at < transitionMs;
    const status = attribute ? (settling ? 'ENABLING' : 'ENABLED') : settling ? 'DISABLING' : 'DISABLED';
    return {
      status: 200,
      body: {
        TimeToLiveDescription: attribute
          ? { TimeToLiveStatus: status, AttributeName: attribute }
          : { TimeToLiveStatus: status },
      },
    };
  }

  /**
   * Deletes expired items once; returns how many. `delayed`: only those expired longer ago than
   * `deleteAfterMs` (the background sweep); otherwise every expired item (a test's "sweep now").
   * Timestamps more than five years old are never deleted, as on AWS.
   */
  async function sweep({ delayed = false }: { delayed?: boolean } = {}): Promise<number> {
    const now = Math.floor(Date.now() / 1000);
    const cutoff = delayed ? now - Math.floor((options.deleteAfterMs ?? TTL_DELETE_AFTER_MS) / 1000) : now;
    let deleted = 0;
    for (const [table, attribute] of attributes) {
      const keys = await options.keyNames(table).catch(() => undefined);
      if (!keys) continue; // the table is gone
      const condition = {
        ConditionExpression: '#ttl < :cutoff AND #ttl >= :oldest',
        ExpressionAttributeNames: { '#ttl': attribute },
        ExpressionAttributeValues: { ':cutoff': { N: String(cutoff) }, ':oldest': { N: String(now - FIVE_YEARS_S) } },
      };
      let start: Json | undefined;
      do {
        const page = await callDynamo(options.upstream, options.agent, 'Scan', {
          TableName: table,
          FilterExpression: condition.ConditionExpression,
          ExpressionAttributeNames: condition.ExpressionAttributeNames,
          ExpressionAttributeValues: condition.ExpressionAttributeValues,
          ...(start ? { ExclusiveStartKey: start } : {}),
        });
        if (page.status !== 200) break;
        for (const item of (page.body.Items as Json[] | undefined) ?? []) {
          const Key = Object.fromEntries(keys.map((k) => [k, item[k]]));
          const streamed = options.changes?.streamed(table) ?? false;
          const result = await options.withLock(streamed, async () => {
            const answer = await callDynamo(options.upstream, options.agent, 'DeleteItem', {
              TableName: table,
              Key,
              ...condition,
              ...(streamed ? { ReturnValues: 'ALL_OLD' } : {}),
            });
            const old = answer.body.Attributes as Json | undefined;
            if (streamed && answer.status === 200 && old) options.changes?.expired(table, old);
            return answer;
          });
          if (result.status === 200) deleted++;
        }
        start = page.body.LastEvaluatedKey as Json | undefined;
      } while (start);
    }
    return deleted;
  }

  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> = Promise.resolve();
  return {
    update,
    describe,
    sweep,
    /** Turns TTL on for a table, as deploy does for tables declared with `ttl`. */
    enable(table: string, attribute: string) {
      attributes.set(table, attribute);
      save();
    },
    start() {
      timer = setInterval(() => {
        sweeping = sweep({ delayed: true }).catch(() => 0);
      }, options.sweepMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await sweeping;
    },
  };
}

function readState(file: string | undefined): Record<string, string> {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    return {};
  }
}
