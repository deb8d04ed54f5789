import { type Access, type AccessLevel, formatAccess, levelsAllowing, type TableDefinition } from '@gantry/decorators';

/** What a table client call does, in words, by the DynamoDB action IAM checks for it. */
const CALLS: Record<string, string> = {
  'dynamodb:GetItem': 'a get',
  'dynamodb:PutItem': 'a put',
  'dynamodb:UpdateItem': 'an update',
  'dynamodb:DeleteItem': 'a delete',
  'dynamodb:Query': 'a query',
  'dynamodb:BatchGetItem': 'a batch get',
  'dynamodb:BatchWriteItem': 'a batch write',
};

/**
 * The function's role does not allow a table client call: names the action, the table, the levels
 * of `@uses` that allow it and, in local runs, the level the function declares. The AWS error is
 * the `cause`. Deployed, it answers 500 like any unknown error; the message is for the log.
 */
/** Marks the kit's errors across installed copies of the kit (`instanceof` fails between two). */
const BRAND = Symbol.for('gantry.TableAccessDeniedError');

export class TableAccessDeniedError extends Error {
  /**
   * AWS's own name, kept: code written for the AWS SDK (`error.name === 'AccessDeniedException'`)
   * works unchanged; `isTableAccessDeniedError` tells the kit's error from the SDK's.
   */
  override name = 'AccessDeniedException';
  readonly [BRAND] = true;
  /** The table's declared name. */
  readonly table: string;
  readonly action: string;
  /** The levels that allow the action, narrowest first. */
  readonly needs: AccessLevel[];
  /** What the function declares on the table (local runs only; `null`: nothing). */
  readonly declared: Access | null | undefined;

  constructor(table: string, tableName: string, action: string, declared: Access | null | undefined, cause: Error) {
    const needs = levelsAllowing(action);
    // 'readwrite' is read and write together: beside either, naming it adds nothing.
    const named = needs.length > 1 ? needs.filter((level) => level !== 'readwrite') : needs;
    const quoted = named.map((level) => `'${level}'`).join(' or ');
    const call = CALLS[action] ?? action;
    const said =
      declared === undefined
        ? `${call} needs @uses(${table}, ${quoted})`
        : `this function declares ${declared === null ? `no @uses(${table}, ...)` : `@uses(${table}, ${formatAccess(declared)})`}; ${call} needs ${quoted}`;
    // An explicit Deny (AWS says so in its message) is not fixed by declaring more access.
    const explicit = /explicit deny/i.test(cause.message);
    super(
      explicit
        ? `${action} on ${tableName} is denied by an explicit Deny in the function's policy (a statement of @fn({ iamStatements }), or one the account applies).`
        : `${action} on ${tableName} is denied: ${said}.`,
      { cause },
    );
    this.table = table;
    this.action = action;
    this.needs = needs;
    this.declared = declared;
  }
}

/** By a registered symbol as well as class: two installed copies of the kit make `instanceof` fail. */
export function isTableAccessDeniedError(error: unknown): error is TableAccessDeniedError {
  return error instanceof Error && (error as { [BRAND]?: unknown })[BRAND] === true;
}

/**
 * Runs a table client call; AWS's AccessDeniedException becomes a TableAccessDeniedError, anything
 * else passes unchanged.
 */
export async function explainDenial<R>(
  table: TableDefinition,
  tableName: string,
  action: string,
  run: () => Promise<R>,
): Promise<R> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof Error && error.name === 'AccessDeniedException') {
      throw new TableAccessDeniedError(table.name, tableName, action, declaredLocally(table.name), error);
    }
    throw error;
  }
}

/**
 * What the function declares on the table, from `GANTRY_LOCAL_TABLE_ACCESS`, which only local runs
 * (`sls offline`, the testing helper) set: undefined when deployed or unreadable.
 */
function declaredLocally(table: string): Access | null | undefined {
  const raw = process.env.GANTRY_LOCAL_TABLE_ACCESS;
  if (!raw) return undefined;
  try {
    const uses = JSON.parse(raw) as Record<string, Access>;
    return Object.hasOwn(uses, table) ? (uses[table] as Access) : null;
  } catch {
    return undefined;
  }
}
