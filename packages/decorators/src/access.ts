/** How a function may use a table. */
export type Access = 'read' | 'write' | 'readwrite';

export const ACCESS_LEVELS: readonly Access[] = ['read', 'write', 'readwrite'];

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

/** The DynamoDB actions an access level grants, without duplicates, in a stable order. */
export function accessActions(access: Access): string[] {
  if (access === 'read') return [...READ_ACTIONS];
  if (access === 'write') return [...WRITE_ACTIONS];
  return [...new Set<string>([...READ_ACTIONS, ...WRITE_ACTIONS])];
}

export function isAccess(value: unknown): value is Access {
  return ACCESS_LEVELS.includes(value as Access);
}

/** The strongest level that covers both: read + write = readwrite. */
export function combineAccess(a: Access, b: Access): Access {
  return a === b ? a : 'readwrite';
}
