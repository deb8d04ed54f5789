/**
 * One way a function may use a table. `create`, `update` and `delete` are narrower than `write`:
 * a function that only adds items gets `create` and cannot delete any.
 */
export type AccessLevel = 'read' | 'create' | 'update' | 'delete' | 'write' | 'readwrite';

/** How a function may use a table: one level or a list of them (`['read', 'create']`). */
export type Access = AccessLevel | readonly AccessLevel[];

export const ACCESS_LEVELS: readonly AccessLevel[] = ['read', 'create', 'update', 'delete', 'write', 'readwrite'];

/**
 * The contract between `uses(table, access)` and the IAM statements the plugin generates.
 * `read` is also granted on `<table ARN>/index/*`, but only when the table has indexes.
 * Documented in this package's README; changing it changes every generated role.
 */
export const READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:Scan',
  'dynamodb:ConditionCheckItem',
] as const;

export const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
] as const;

/**
 * The narrow levels. None has BatchWriteItem: IAM authorizes a batch as one action whatever it
 * holds, and a batch may delete, so only `write` may batch. Each has ConditionCheckItem, which
 * changes nothing and lets a transaction guard its put, update or delete with another item's state.
 * `create` is PutItem, which IAM cannot tell from a put that replaces an item: create with a
 * condition (the kit's `put(item, { ifNotExists: true })`) where replacing must not happen.
 */
export const CREATE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'] as const;
export const UPDATE_ACTIONS = ['dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'] as const;
export const DELETE_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'] as const;

const LEVEL_ACTIONS: Record<AccessLevel, readonly string[]> = {
  read: READ_ACTIONS,
  create: CREATE_ACTIONS,
  update: UPDATE_ACTIONS,
  delete: DELETE_ACTIONS,
  write: WRITE_ACTIONS,
  readwrite: [...READ_ACTIONS, ...WRITE_ACTIONS],
};

/** Levels that another level already covers, so a list says each thing once. */
const COVERED_BY: Record<AccessLevel, readonly AccessLevel[]> = {
  read: ['readwrite'],
  create: ['write', 'readwrite'],
  update: ['write', 'readwrite'],
  delete: ['write', 'readwrite'],
  write: ['readwrite'],
  readwrite: [],
};

/**
 * The levels of an access without repeats or covered levels, in ACCESS_LEVELS order; read and
 * write together are readwrite.
 */
export function accessLevels(access: Access): AccessLevel[] {
  const given = new Set<AccessLevel>(typeof access === 'string' ? [access] : access);
  if (given.has('read') && given.has('write')) given.add('readwrite');
  return ACCESS_LEVELS.filter((level) => given.has(level) && !COVERED_BY[level].some((by) => given.has(by)));
}

/** One level as itself, several as a list: the form the Manifest and generated names use. */
export function normalizeAccess(access: Access): Access {
  const levels = accessLevels(access);
  return levels.length === 1 ? (levels[0] as AccessLevel) : levels;
}

/** The DynamoDB actions an access grants, without duplicates, in a stable order. */
export function accessActions(access: Access): string[] {
  return [...new Set(accessLevels(access).flatMap((level) => LEVEL_ACTIONS[level]))];
}

/** The actions an access grants on items, other than reading them (empty for `read`). */
export function accessWriteActions(access: Access): string[] {
  const levels = accessLevels(access).map((level) => (level === 'readwrite' ? 'write' : level));
  return [...new Set(levels.filter((level) => level !== 'read').flatMap((level) => LEVEL_ACTIONS[level]))];
}

/** Whether the access reads items (read or readwrite). */
export function accessReads(access: Access): boolean {
  return accessLevels(access).some((level) => level === 'read' || level === 'readwrite');
}

/** Whether the access changes items in any way (any level but read). */
export function accessWrites(access: Access): boolean {
  return accessLevels(access).some((level) => level !== 'read');
}

export function isAccessLevel(value: unknown): value is AccessLevel {
  return ACCESS_LEVELS.includes(value as AccessLevel);
}

/** A level or a non-empty list of levels. */
export function isAccess(value: unknown): value is Access {
  return isAccessLevel(value) || (Array.isArray(value) && value.length > 0 && value.every(isAccessLevel));
}

/** What covers both, as normalizeAccess writes it: read + write = readwrite, read + create = ['read', 'create']. */
export function combineAccess(a: Access, b: Access): Access {
  const list = (x: Access): readonly AccessLevel[] => (typeof x === 'string' ? [x] : x);
  return normalizeAccess([...list(a), ...list(b)]);
}

/** How generated names and messages write an access: `'create'`, `['read', 'create']`. */
export function formatAccess(access: Access): string {
  const levels = accessLevels(access);
  return levels.length === 1 ? `'${levels[0]}'` : `[${levels.map((level) => `'${level}'`).join(', ')}]`;
}

/**
 * The levels that allow a DynamoDB action, narrowest first: what a denied call needs declared.
 * `dynamodb:DeleteItem` → delete, write, readwrite.
 */
export function levelsAllowing(action: string): AccessLevel[] {
  return ACCESS_LEVELS.filter((level) => LEVEL_ACTIONS[level].includes(action));
}
