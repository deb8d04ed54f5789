import { createRequire } from 'node:module';
import {
  type KeySchemaElement,
  STREAM_VIEW_TYPES,
  type StreamStore,
  type StreamViewType,
  streamDescription,
} from './stream-store.js';
import type { Answer } from './transactions.js';

type Json = Record<string, unknown>;
type Types = Record<string, unknown>;

/** A table's stream setting as CreateTable or UpdateTable asks for it. */
export interface StreamSetting {
  enabled: boolean;
  viewType?: StreamViewType | undefined;
}

const checker = createRequire(import.meta.url)('dynalite/validations/index.js') as {
  checkTypes(data: Json, types: Types): Json;
  checkValidations(data: Json, types: Types, custom: undefined, store: unknown): void;
};

// dynalite drops StreamSpecification; its members as DynamoDB's API reference lists them.
const SPECIFICATION: Types = {
  StreamSpecification: {
    type: 'FieldStruct<StreamSpecification>',
    children: {
      StreamEnabled: { type: 'Boolean', notNull: true },
      StreamViewType: { type: 'String', enum: [...STREAM_VIEW_TYPES] },
    },
  },
};

const invalid = (message: string): Answer => ({
  status: 400,
  body: { __type: 'com.amazon.coral.validate#ValidationException', message },
});

/**
 * The `StreamSpecification` of a CreateTable or UpdateTable body, checked as DynamoDB checks it
 * (with its messages). Undefined when the body has none.
 */
export function streamSetting(
  operation: 'CreateTable' | 'UpdateTable',
  body: Json,
): { setting: StreamSetting } | { answer: Answer } | undefined {
  if (body.StreamSpecification === undefined || body.StreamSpecification === null) return undefined;
  let spec: Json;
  try {
    const typed = checker.checkTypes({ StreamSpecification: structuredClone(body.StreamSpecification) }, SPECIFICATION);
    checker.checkValidations(typed, SPECIFICATION, undefined, {});
    spec = typed.StreamSpecification as Json;
  } catch (thrown) {
    const { statusCode, body: answer } = thrown as { statusCode?: number; body?: Json };
    if (statusCode && answer) return { answer: { status: statusCode, body: answer } };
    throw thrown;
  }
  const enabled = spec.StreamEnabled === true;
  const viewType = spec.StreamViewType as StreamViewType | undefined;
  const prefix = 'One or more parameter values were invalid: ';
  if (enabled && !viewType)
    return { answer: invalid(`${prefix}If stream is being enabled then UpdateViewType is required`) };
  if (!enabled && viewType) {
    return {
      answer: invalid(
        operation === 'CreateTable'
          ? `${prefix}Table is being created with a stream disabled, UpdateViewType should not be specified`
          : `${prefix}If stream is being disabled, then UpdateViewType must not be specified`,
      ),
    };
  }
  return { setting: { enabled, viewType } };
}

/** DynamoDB's refusal of an UpdateTable that enables a stream the table has, or disables one it has not. */
export function streamConflict(streams: StreamStore, table: string, setting: StreamSetting): Answer | undefined {
  const current = streams.active(table);
  if (setting.enabled && current) return invalid(`Table already has an enabled stream: TableName: ${table}`);
  if (!setting.enabled && !current) return invalid('Table has no stream to disable');
  return undefined;
}

/** What dynalite's UpdateTable acts on; an UpdateTable with none of them only changes the stream. */
export const DYNALITE_TABLE_UPDATES = [
  'ProvisionedThroughput',
  'BillingMode',
  'GlobalSecondaryIndexUpdates',
  'SSESpecification',
];

/** Applies a checked setting to the table's stream, after the table operation succeeded. */
export function applyStreamSetting(
  streams: StreamStore,
  table: string,
  setting: StreamSetting,
  keySchema: KeySchemaElement[],
): void {
  if (setting.enabled && setting.viewType) streams.enable(table, setting.viewType, keySchema);
  else streams.disable(table);
}

/**
 * A CreateTable, UpdateTable or DescribeTable answer with the table's stream fields added to its
 * description (`TableDescription` or `Table`), as DynamoDB shows them.
 */
export function withStreamFields(answer: Json, member: 'TableDescription' | 'Table', streams: StreamStore): Json {
  const description = answer[member] as Json | undefined;
  if (!description || typeof description.TableName !== 'string') return answer;
  return { ...answer, [member]: { ...description, ...streamDescription(streams.latest(description.TableName)) } };
}
