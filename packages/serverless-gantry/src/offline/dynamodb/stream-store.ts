import { createHash, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { LocalAccount } from '../iam/resolve-arns.js';
import { localTableArn } from '../iam/resolve-arns.js';

type Json = Record<string, unknown>;

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
export const STREAM_VIEW_TYPES: readonly StreamViewType[] = [
  'KEYS_ONLY',
  'NEW_IMAGE',
  'OLD_IMAGE',
  'NEW_AND_OLD_IMAGES',
];

export interface KeySchemaElement {
  AttributeName: string;
  KeyType: string;
}

/** One change of one item, as the endpoint saw it: its key and the item before and after. */
export interface ItemChange {
  keys: Json;
  oldImage?: Json | undefined;
  newImage?: Json | undefined;
  /** Deleted by the TTL sweep: the record names DynamoDB's service as the user. */
  byTtl?: boolean;
}

interface StoredRecord {
  sequence: bigint;
  /** Epoch milliseconds, for expiry. */
  at: number;
  /** The record as GetRecords returns it. */
  record: Json;
}

/** A table's stream: one shard (DynamoDB splits busy streams into more; locally one is enough). */
export interface LocalStream {
  arn: string;
  label: string;
  table: string;
  viewType: StreamViewType;
  keySchema: KeySchemaElement[];
  /** Epoch milliseconds. */
  createdAt: number;
  status: 'ENABLED' | 'DISABLED';
  disabledAt?: number;
  /** Its table was deleted: a table made again with the name starts without it. */
  tableDeleted?: boolean;
  shardId: string;
  startingSequence: bigint;
  /** Set when the stream is disabled: the shard is closed. */
  endingSequence?: bigint;
  records: StoredRecord[];
  /** Every sequence number up to this one is gone (trimmed after the retention period). */
  trimmedThrough: bigint;
}

export interface StreamStoreOptions {
  account: LocalAccount;
  /** How long records stay readable (DynamoDB: 24 hours). */
  retentionMs?: number | undefined;
  /** Where the streams' settings (not their records) survive restarts, with `offline.persist`. */
  stateFile?: string | undefined;
  /** Records a stream keeps at most; older ones are trimmed early (memory, under a load test). */
  maxRecords?: number | undefined;
}

/** DynamoDB Streams keeps records 24 hours. */
export const STREAM_RETENTION_MS = 24 * 3_600_000;
const MAX_RECORDS = 100_000;

const itemSize = createRequire(import.meta.url)('dynalite/db/index.js').itemSize as (item: Json) => number;

/**
 * The local run's DynamoDB Streams, which dynalite lacks: per table its stream (view type, label,
 * ARN, one shard) and the change records the endpoint appends as it applies writes, with
 * increasing sequence numbers, kept for 24 hours as DynamoDB keeps them. Records live in memory;
 * with a state file the streams' settings (and so their ARNs) survive a restart.
 */
export function createStreamStore(options: StreamStoreOptions) {
  const retentionMs = options.retentionMs ?? STREAM_RETENTION_MS;
  const maxRecords = options.maxRecords ?? MAX_RECORDS;
  // Every stream ever made in this run, oldest first; at most one enabled per table.
  const streams: LocalStream[] = [];
  // Time-based, so sequence numbers keep increasing across restarts of a persisted run.
  let next = BigInt(Date.now()) * 100_000_000n;
  let warnedFull = false;

  const latest = (table: string) => streams.findLast((s) => s.table === table && !s.tableDeleted);
  const active = (table: string) => {
    const stream = latest(table);
    return stream?.status === 'ENABLED' ? stream : undefined;
  };

  function open(table: string, viewType: StreamViewType, keySchema: KeySchemaElement[], createdAt = Date.now()) {
    // DynamoDB's label is the creation time, ISO 8601 without the zone; unique per table.
    let label = new Date(createdAt).toISOString().slice(0, -1);
    while (streams.some((s) => s.table === table && s.label === label)) {
      createdAt++;
      label = new Date(createdAt).toISOString().slice(0, -1);
    }
    const arn = `${localTableArn(table, options.account)}/stream/${label}`;
    const stream: LocalStream = {
      arn,
      label,
      table,
      viewType,
      keySchema,
      createdAt,
      status: 'ENABLED',
      shardId: `shardId-${String(createdAt).padStart(20, '0')}-${createHash('sha256').update(arn).digest('hex').slice(0, 8)}`,
      startingSequence: next,
      records: [],
      trimmedThrough: next - 1n,
    };
    streams.push(stream);
    return stream;
  }

  function close(stream: LocalStream) {
    stream.status = 'DISABLED';
    stream.disabledAt = Date.now();
    stream.endingSequence = stream.records.at(-1)?.sequence ?? stream.startingSequence;
  }

  function trim(stream: LocalStream, now = Date.now()) {
    let drop = 0;
    while (drop < stream.records.length && (stream.records[drop] as StoredRecord).at <= now - retentionMs) drop++;
    if (stream.records.length - drop > maxRecords) {
      drop = stream.records.length - maxRecords;
      if (!warnedFull) {
        warnedFull = true;
        console.warn(
          `gantry: the local stream of ${stream.table} holds over ${maxRecords} records; the oldest are trimmed before 24 hours.`,
        );
      }
    }
    if (drop === 0) return;
    stream.trimmedThrough = (stream.records[drop - 1] as StoredRecord).sequence;
    stream.records.splice(0, drop);
  }

  const save = () => {
    if (!options.stateFile) return;
    const state = Object.fromEntries(
      streams
        .filter((s) => s.status === 'ENABLED')
        .map((s) => [s.table, { viewType: s.viewType, keySchema: s.keySchema, createdAt: s.createdAt }]),
    );
    writeFileSync(options.stateFile, JSON.stringify(state, null, 2));
  };

  for (const [table, saved] of Object.entries(readState(options.stateFile))) {
    open(table, saved.viewType, saved.keySchema, saved.createdAt);
  }

  /** Gives a table a stream (CreateTable, UpdateTable). A stream it had is disabled first. */
  function enable(table: string, viewType: StreamViewType, keySchema: KeySchemaElement[]): LocalStream {
    const current = active(table);
    if (current) close(current);
    const stream = open(table, viewType, keySchema);
    save();
    return stream;
  }

  /**
   * Disables the table's stream (UpdateTable, DeleteTable); its records stay readable until they
   * expire. `tableDeleted`: the table is gone, and a table made again with its name has no stream yet.
   */
  function disable(table: string, { tableDeleted = false }: { tableDeleted?: boolean } = {}) {
    const current = active(table);
    if (current) close(current);
    if (tableDeleted) for (const stream of streams) if (stream.table === table) stream.tableDeleted = true;
    save();
  }

  return {
    /** The table's enabled stream; undefined when it has none (writes to it then cost nothing extra). */
    active,
    /** The table's latest stream, enabled or not (DescribeTable's LatestStreamArn). */
    latest,
    byArn: (arn: string) => streams.find((s) => s.arn === arn),
    /** Streams ListStreams shows: enabled ones, and disabled ones until their records expire. */
    listed: (now = Date.now()) =>
      streams.filter((s) => s.status === 'ENABLED' || (s.disabledAt ?? 0) > now - retentionMs),
    /** The sequence number the next record will get (a LATEST iterator starts there). */
    nextSequence: () => next,
    trim,
    enable,
    disable,
    /**
     * Makes a Manifest table's stream match its declaration: kept when it already streams this
     * view (a persisted run keeps its ARN), else enabled, replaced or disabled.
     */
    configure(table: string, viewType: StreamViewType | undefined, keySchema: KeySchemaElement[]) {
      const current = active(table);
      if (current?.viewType === viewType) return current;
      if (!viewType) return void disable(table);
      return enable(table, viewType, keySchema);
    },

    /** Appends the record of one change to the stream, with the images its view type asks for. */
    append(stream: LocalStream, change: ItemChange, region: string) {
      const now = Date.now();
      trim(stream, now);
      const sequence = next++;
      const eventName = !change.oldImage ? 'INSERT' : !change.newImage ? 'REMOVE' : 'MODIFY';
      const wantsNew = stream.viewType === 'NEW_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES';
      const wantsOld = stream.viewType === 'OLD_IMAGE' || stream.viewType === 'NEW_AND_OLD_IMAGES';
      const newImage = wantsNew ? change.newImage : undefined;
      const oldImage = wantsOld ? change.oldImage : undefined;
      const record: Json = {
        eventID: randomUUID().replaceAll('-', ''),
        eventName,
        eventVersion: '1.1',
        eventSource: 'aws:dynamodb',
        awsRegion: region,
        dynamodb: {
          ApproximateCreationDateTime: Math.floor(now / 1000),
          Keys: change.keys,
          ...(newImage ? { NewImage: newImage } : {}),
          ...(oldImage ? { OldImage: oldImage } : {}),
          SequenceNumber: String(sequence),
          SizeBytes: itemSize(change.keys) + (newImage ? itemSize(newImage) : 0) + (oldImage ? itemSize(oldImage) : 0),
          StreamViewType: stream.viewType,
        },
        ...(change.byTtl ? { userIdentity: { PrincipalId: 'dynamodb.amazonaws.com', Type: 'Service' } } : {}),
      };
      stream.records.push({ sequence, at: now, record });
    },
  };
}

export type StreamStore = ReturnType<typeof createStreamStore>;

/**
 * The fields DescribeTable, CreateTable and UpdateTable show for a table's stream:
 * `StreamSpecification` while enabled, and the latest stream's ARN and label.
 */
export function streamDescription(stream: LocalStream | undefined): Json {
  if (!stream) return {};
  return {
    ...(stream.status === 'ENABLED'
      ? { StreamSpecification: { StreamEnabled: true, StreamViewType: stream.viewType } }
      : {}),
    LatestStreamLabel: stream.label,
    LatestStreamArn: stream.arn,
  };
}

function readState(
  file: string | undefined,
): Record<string, { viewType: StreamViewType; keySchema: KeySchemaElement[]; createdAt: number }> {
  if (!file) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}
