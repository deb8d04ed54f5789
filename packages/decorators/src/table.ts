import { callerSite, markDeclared } from './declared-at.js';

export type KeyType = 'S' | 'N' | 'B';

export interface KeyAttribute {
  name: string;
  type: KeyType;
}

export interface IndexDefinition {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Attributes copied into the index: all (default), keys only, or the listed ones. */
  projection?: 'all' | 'keys' | string[];
}

export type StreamView = 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES' | 'KEYS_ONLY';

export interface TableOptions {
  partitionKey: KeyAttribute;
  sortKey?: KeyAttribute;
  /** Global secondary indexes by name. */
  indexes?: Record<string, IndexDefinition>;
  /** Attribute holding an epoch-seconds expiry time. */
  ttl?: string;
  stream?: StreamView;
}

export interface TableDefinition extends Readonly<TableOptions> {
  /** The declared name: unique in the service; the deployed name is `<service>-<stage>-<name>`. */
  readonly name: string;
  readonly [tableBrand]: true;
}

// A registered symbol, so a table made by one copy of this package is recognised by another.
const tableBrand: unique symbol = Symbol.for('gantry.table') as never;

const TABLE_NAME = /^[a-zA-Z0-9_.-]{1,200}$/;

/**
 * Declares a DynamoDB table. The value is imported by handlers (`uses`), read by the plugin
 * (CloudFormation table, IAM grants) and used by the runtime client.
 *
 * @example
 * export const Notes = table('notes', {
 *   partitionKey: { name: 'id', type: 'S' },
 *   indexes: { byOwner: { partitionKey: { name: 'owner', type: 'S' } } },
 *   ttl: 'expiresAt',
 * });
 */
export function table(name: string, options: TableOptions): TableDefinition {
  if (!TABLE_NAME.test(name)) {
    throw new TypeError(`table('${name}'): a table name may hold only letters, digits, '_', '-' and '.'; rename it.`);
  }
  return Object.freeze(markDeclared({ ...options, name, [tableBrand]: true as const }, callerSite(table)));
}

export function isTable(value: unknown): value is TableDefinition {
  return typeof value === 'object' && value !== null && (value as TableDefinition)[tableBrand] === true;
}

/** The environment variable that holds a table's deployed name: `notes-v2` → `GANTRY_TABLE_NOTES_V2`. */
export function tableEnvVar(table: Pick<TableDefinition, 'name'> | string): string {
  const name = typeof table === 'string' ? table : table.name;
  return `GANTRY_TABLE_${name.replace(/[^a-zA-Z0-9]+/g, '_').toUpperCase()}`;
}
