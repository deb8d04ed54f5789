import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { Check } from '../iam/request-checks.js';
import type { LocalStream, StreamStore } from './stream-store.js';
import type { Answer } from './transactions.js';

type Json = Record<string, unknown>;
type Types = Record<string, unknown>;

/** The target prefix of DynamoDB Streams calls: `X-Amz-Target: DynamoDBStreams_20120810.<Operation>`. */
const STREAMS_API = 'DynamoDBStreams_20120810';

/** The DynamoDB Streams operation of a request, or undefined for any other call. */
export function streamsOperationOf(req: IncomingMessage): string | undefined {
  const target = String(req.headers['x-amz-target'] ?? '');
  return target.startsWith(`${STREAMS_API}.`) ? target.slice(STREAMS_API.length + 1) : undefined;
}

// DynamoDB answers its request validation under the coral namespace, its other errors under the API's.
const error = (type: string, message: string): Answer => ({
  status: 400,
  body: {
    __type:
      type === 'ValidationException' ? `com.amazon.coral.validate#${type}` : `com.amazonaws.dynamodb.v20120810#${type}`,
    message,
  },
});
const notFound = (what: string) => error('ResourceNotFoundException', `Requested resource not found: ${what}`);

// The members of each operation as the DynamoDB Streams API reference lists them, checked with
// dynalite's checker so the answers read as DynamoDB's own validation does.
const arn = { type: 'String', lengthGreaterThanOrEqual: 37, lengthLessThanOrEqual: 1024 };
const shardId = { type: 'String', lengthGreaterThanOrEqual: 28, lengthLessThanOrEqual: 65 };
const RULES: Record<string, Types> = {
  ListStreams: {
    TableName: { type: 'String', lengthGreaterThanOrEqual: 3, lengthLessThanOrEqual: 255, regex: '[a-zA-Z0-9_.-]+' },
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 100 },
    ExclusiveStartStreamArn: arn,
  },
  DescribeStream: {
    StreamArn: { ...arn, required: true },
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 100 },
    ExclusiveStartShardId: shardId,
    ShardFilter: {
      type: 'FieldStruct<ShardFilter>',
      children: { Type: { type: 'String', enum: ['CHILD_SHARDS'] }, ShardId: shardId },
    },
  },
  GetShardIterator: {
    StreamArn: { ...arn, required: true },
    ShardId: { ...shardId, required: true },
    ShardIteratorType: {
      type: 'String',
      required: true,
      enum: ['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER'],
    },
    SequenceNumber: { type: 'String', lengthGreaterThanOrEqual: 21, lengthLessThanOrEqual: 40 },
  },
  GetRecords: {
    ShardIterator: { type: 'String', required: true, lengthGreaterThanOrEqual: 1, lengthLessThanOrEqual: 2048 },
    Limit: { type: 'Integer', greaterThanOrEqual: 1, lessThanOrEqual: 1000 },
  },
};

const checker = createRequire(import.meta.url)('dynalite/validations/index.js') as {
  checkTypes(data: Json, types: Types): Json;
  checkValidations(data: Json, types: Types, custom: undefined, store: unknown): void;
};

/** A shard iterator stays valid 15 minutes after it is returned. */
const ITERATOR_LIFETIME_MS = 15 * 60_000;
/** GetRecords returns at most 1 MB of records. */
const MAX_RECORDS_BYTES = 1024 * 1024;

/** A checked DynamoDB Streams request: the IAM checks it needs, and then how it is answered. */
export type StreamsRequest = { answer: Answer } | { checks: Check[]; run: () => Answer };

/**
 * The DynamoDB Streams API of the local endpoint: ListStreams, DescribeStream, GetShardIterator
 * and GetRecords over the endpoint's stream store, one shard per stream. Bodies are checked as
 * DynamoDB checks them; each call then needs `dynamodb:<Operation>` on its stream's ARN (on `*` for
 * ListStreams, which has no resource type), which the caller evaluates before `run`.
 */
export function streamsRequest(operation: string, body: Json, store: StreamStore): StreamsRequest {
  const types = RULES[operation];
  if (!types) {
    return {
      answer: {
        status: 400,
        body: {
          __type: 'com.amazon.coral.service#UnknownOperationException',
          message: `Unknown operation ${operation}`,
        },
      },
    };
  }
  let request: Json;
  try {
    request = checker.checkTypes(structuredClone(body), types);
    checker.checkValidations(request, types, undefined, {});
  } catch (thrown) {
    const { statusCode, body: answer } = thrown as { statusCode?: number; body?: Json };
    if (statusCode && answer) return { answer: { status: statusCode, body: answer } };
    throw thrown;
  }
  const check = (resource: string): Check[] => [{ action: `dynamodb:${operation}`, resource }];
  switch (operation) {
    case 'ListStreams':
      return { checks: check('*'), run: () => listStreams(request, store) };
    case 'DescribeStream':
      return { checks: check(String(request.StreamArn)), run: () => describeStream(request, store) };
    case 'GetShardIterator':
      return { checks: check(String(request.StreamArn)), run: () => getShardIterator(request, store) };
    default: {
      const position = decodeIterator(String(request.ShardIterator));
      if (!position) return { answer: error('ValidationException', 'Invalid ShardIterator') };
      return { checks: check(position.arn), run: () => getRecords(position, request, store) };
    }
  }
}

function listStreams(request: Json, store: StreamStore): Answer {
  let streams = store.listed().filter((s) => request.TableName === undefined || s.table === request.TableName);
  if (request.ExclusiveStartStreamArn !== undefined) {
    const after = streams.findIndex((s) => s.arn === request.ExclusiveStartStreamArn);
    streams = after === -1 ? [] : streams.slice(after + 1);
  }
  const limit = (request.Limit as number | undefined) ?? 100;
  const page = streams.slice(0, limit);
  return {
    status: 200,
    body: {
      Streams: page.map((s) => ({ StreamArn: s.arn, TableName: s.table, StreamLabel: s.label })),
      ...(streams.length > limit ? { LastEvaluatedStreamArn: page.at(-1)?.arn } : {}),
    },
  };
}

function describeStream(request: Json, store: StreamStore): Answer {
  const stream = store.byArn(String(request.StreamArn));
  if (!stream) return notFound(`Stream: ${String(request.StreamArn)} not found`);
  const filter = request.ShardFilter as Json | undefined;
  // One shard, which never splits: it has no children, and nothing follows it.
  const shards =
    filter?.Type === 'CHILD_SHARDS' || request.ExclusiveStartShardId !== undefined
      ? []
      : [
          {
            ShardId: stream.shardId,
            SequenceNumberRange: {
              StartingSequenceNumber: String(stream.startingSequence),
              ...(stream.endingSequence !== undefined ? { EndingSequenceNumber: String(stream.endingSequence) } : {}),
            },
          },
        ];
  return {
    status: 200,
    body: {
      StreamDescription: {
        StreamArn: stream.arn,
        StreamLabel: stream.label,
        StreamStatus: stream.status,
        StreamViewType: stream.viewType,
        CreationRequestDateTime: stream.createdAt / 1000,
        TableName: stream.table,
        KeySchema: stream.keySchema,
        Shards: shards,
      },
    },
  };
}

function getShardIterator(request: Json, store: StreamStore): Answer {
  const stream = store.byArn(String(request.StreamArn));
  if (!stream) return notFound(`Stream: ${String(request.StreamArn)} not found`);
  if (request.ShardId !== stream.shardId) return notFound(`Shard: ${String(request.ShardId)} not found`);
  store.trim(stream);
  const type = request.ShardIteratorType;
  let from: bigint;
  if (type === 'TRIM_HORIZON') from = stream.trimmedThrough + 1n;
  else if (type === 'LATEST') from = (stream.endingSequence ?? store.nextSequence() - 1n) + 1n;
  else {
    const given = String(request.SequenceNumber ?? '');
    if (!/^\d{21,40}$/.test(given)) {
      return error('ValidationException', `Invalid SequenceNumber: ${given || 'none given'} for ${String(type)}`);
    }
    const sequence = BigInt(given);
    const last = stream.endingSequence ?? store.nextSequence() - 1n;
    if (sequence < stream.startingSequence || sequence > last) {
      return error(
        'ValidationException',
        `Invalid SequenceNumber: ${given} is not in shard ${stream.shardId} of stream ${stream.arn}`,
      );
    }
    from = type === 'AT_SEQUENCE_NUMBER' ? sequence : sequence + 1n;
    if (from <= stream.trimmedThrough) return trimmed(stream);
  }
  return { status: 200, body: { ShardIterator: encodeIterator({ arn: stream.arn, shardId: stream.shardId, from }) } };
}

function getRecords(position: IteratorPosition, request: Json, store: StreamStore): Answer {
  if (Date.now() - position.issuedAt > ITERATOR_LIFETIME_MS) {
    return error('ExpiredIteratorException', 'Iterator expired: get a new one with GetShardIterator');
  }
  const stream = store.byArn(position.arn);
  if (!stream || stream.shardId !== position.shardId) return notFound(`Stream: ${position.arn} not found`);
  store.trim(stream);
  if (position.from <= stream.trimmedThrough) return trimmed(stream);
  const limit = (request.Limit as number | undefined) ?? 1000;
  const records: Json[] = [];
  let bytes = 0;
  let next = position.from;
  for (let i = firstAtOrAfter(stream, position.from); i < stream.records.length && records.length < limit; i++) {
    const stored = stream.records[i] as LocalStream['records'][number];
    bytes += JSON.stringify(stored.record).length;
    if (records.length > 0 && bytes > MAX_RECORDS_BYTES) break;
    records.push(stored.record);
    next = stored.sequence + 1n;
  }
  // A closed shard read to its end has no next iterator.
  const ended = stream.endingSequence !== undefined && firstAtOrAfter(stream, next) === stream.records.length;
  return {
    status: 200,
    body: {
      Records: records,
      ...(ended ? {} : { NextShardIterator: encodeIterator({ arn: stream.arn, shardId: stream.shardId, from: next }) }),
    },
  };
}

const trimmed = (stream: LocalStream) =>
  error(
    'TrimmedDataAccessException',
    `The requested records of stream ${stream.arn} are beyond the trim horizon: they are older than 24 hours`,
  );

/** The index of the first record whose sequence number is at least `from` (records are in order). */
function firstAtOrAfter(stream: LocalStream, from: bigint): number {
  let low = 0;
  let high = stream.records.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((stream.records[middle] as LocalStream['records'][number]).sequence < from) low = middle + 1;
    else high = middle;
  }
  return low;
}

interface IteratorPosition {
  arn: string;
  shardId: string;
  /** The first sequence number the iterator reads. */
  from: bigint;
  issuedAt: number;
}

// Iterators are opaque to clients: where to read from, and when the iterator was issued.
function encodeIterator(position: Omit<IteratorPosition, 'issuedAt'>): string {
  const payload = [position.arn, position.shardId, String(position.from), Date.now()];
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

function decodeIterator(iterator: string): IteratorPosition | undefined {
  try {
    const [arn, shardId, from, issuedAt] = JSON.parse(Buffer.from(iterator, 'base64url').toString('utf8')) as unknown[];
    if (typeof arn !== 'string' || typeof shardId !== 'string' || typeof from !== 'string') return undefined;
    if (typeof issuedAt !== 'number' || !/^\d+$/.test(from)) return undefined;
    return { arn, shardId, from: BigInt(from), issuedAt };
  } catch {
    return undefined;
  }
}
