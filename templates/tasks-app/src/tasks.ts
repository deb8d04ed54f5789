import { randomUUID } from 'node:crypto';
import { api, del, get, patch, post, uses } from '@gantry/decorators';
import { ConflictError, created, type HttpRequest, NotFoundError, UnauthorizedError } from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';
import { readableMessage } from '@gantry/middy/valibot';
import * as v from 'valibot';
import { Tasks } from './tables.js';

// valibot: its schemas are plain objects made by small functions, so building them at cold start
// takes ≈ 0.5 ms (Gantry's bench/RESULTS.md). Messages a schema does not write say what is missing
// or wrong ("version is required.", "Must be true or false."); each issue carries its field's path.
v.setGlobalMessage(readableMessage);

// What requests may carry. Each route validates before its method runs: a bad request gets a 400
// listing every problem (`{ error: { code: 'validation', issues: [{ path, message }] } }`).
export const ListParams = v.object({
  listId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{8,64}$/, 'A list id is 8 to 64 letters, digits, - or _.')),
});
export const TaskParams = v.object({ id: v.pipe(v.string(), v.uuid('A task id is a UUID.')) });
const title = v.pipe(
  v.string(),
  v.trim(),
  v.minLength(1, 'Give the task a title.'),
  v.maxLength(200, 'Keep the title under 200 characters.'),
);
export const NewTask = v.strictObject({ title });
export const TaskChanges = v.pipe(
  v.strictObject({
    title: v.optional(title),
    done: v.optional(v.boolean()),
    /** The version the client last saw: the change applies only if nobody changed the task since. */
    version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  }),
  v.check((changes) => changes.title !== undefined || changes.done !== undefined, 'Change the title or done.'),
);
/**
 * A query value (always text) of digits, as the number it spells. The API's OpenAPI document shows
 * what is sent, the text, so `about` says there what the number must be.
 */
const wholeNumber = (name: string, about: string) =>
  v.pipe(v.string(), v.digits(`${name} must be a whole number.`), v.description(about), v.toNumber());
export const Page = v.object({
  limit: v.optional(
    v.pipe(wholeNumber('limit', 'How many tasks, from 1 to 100.'), v.minValue(1), v.maxValue(100)),
    '20',
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(2048))),
});
export const Version = v.object({
  version: v.pipe(wholeNumber('version', 'The version of the task you last saw (1 or more).'), v.minValue(1)),
});

// What the routes answer with: the OpenAPI document shows these schemas, and each method's return
// type must be their output type (the decorator checks), which is what the typed client gives.
const timestamp = v.pipe(v.string(), v.isoTimestamp());
export const AttachmentSchema = v.object({
  name: v.string(),
  type: v.pipe(v.string(), v.description('Its media type, one of the allowed ones (src/attachment-types.ts).')),
  size: v.pipe(v.number(), v.integer(), v.description('Bytes.')),
  uploadedAt: timestamp,
});
export type Attachment = v.InferOutput<typeof AttachmentSchema>;
export const TaskSchema = v.object({
  id: v.pipe(v.string(), v.uuid()),
  listId: v.string(),
  title: v.string(),
  done: v.boolean(),
  version: v.pipe(
    v.number(),
    v.integer(),
    v.description('Starts at 1, one more on every change of title or done: the optimistic lock behind 409 Conflict.'),
  ),
  createdAt: timestamp,
  updatedAt: timestamp,
  attachment: v.optional(
    v.pipe(
      AttachmentSchema,
      v.description('The attached file, once its upload is recorded; `GET /tasks/{id}/attachment` links to it.'),
    ),
  ),
});
export type Task = v.InferOutput<typeof TaskSchema>;
export const TaskPage = v.object({
  items: v.array(TaskSchema),
  cursor: v.optional(v.pipe(v.string(), v.description('Pass it as `?cursor=` for the next page; absent on the last.'))),
});

/**
 * As stored: the task and its keys, which hold the owner's `sub` and never leave the API; its
 * attachment with the object's key; when an attachment was last removed (attachments.ts says why).
 */
export type StoredTask = Omit<Task, 'attachment'> & {
  owner: string;
  ownerList: string;
  attachment?: Attachment & { key: string };
  attachmentRemovedAt?: string;
};

// The table's name reaches each function in GANTRY_TABLE_TASKS; each function's role allows only
// the access its `@uses` declares, the narrowest each needs: listing and reading cannot write,
// creating can only put (it cannot read, update or delete), updating only update, removing only delete.
const tasks = tableClient<StoredTask>(Tasks);

/**
 * The signed-in caller: the `sub` of the token the route's authorizer verified (API Gateway, or the
 * local front, checked it before the function runs). Keys come from it alone.
 */
export function callerOf(request: HttpRequest): string {
  const sub = request.claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('Sign in to use your tasks.');
  return sub;
}

const listKey = (owner: string, listId: string) => `${owner}#${listId}`;

/** What a client sees of a task: no keys (they name the owner), not where its file is kept. */
export function shown({
  owner: _owner,
  ownerList: _ownerList,
  attachment,
  attachmentRemovedAt: _removedAt,
  ...task
}: StoredTask): Task {
  if (!attachment) return task;
  const { key: _key, ...file } = attachment;
  return { ...task, attachment: file };
}

// Every route needs a signed-in user (the service's user pool; locally its stand-in): each user
// sees and changes only their own tasks, and another user's task is simply not there (404).
@api('', { cors: true, auth: {} })
export class TasksApi {
  /** A list's tasks, oldest first, a page at a time (`?limit=&cursor=`). */
  @get('/lists/{listId}/tasks', { params: ListParams, query: Page, response: TaskPage })
  @uses(Tasks, 'read')
  static async list(request: HttpRequest<{ params: typeof ListParams; query: typeof Page }>) {
    const { limit, cursor } = request.query;
    const page = await tasks.query({
      index: 'byList',
      partition: listKey(callerOf(request), request.params.listId),
      limit,
      ...(cursor ? { cursor } : {}),
    });
    return { ...page, items: page.items.map(shown) };
  }

  /** Creates a task; create-only, so a retried request can never overwrite one. */
  @post('/lists/{listId}/tasks', { params: ListParams, body: NewTask, response: TaskSchema })
  @uses(Tasks, 'create')
  static async create(request: HttpRequest<{ params: typeof ListParams; body: typeof NewTask }>) {
    const now = new Date().toISOString();
    const owner = callerOf(request);
    const task: StoredTask = {
      owner,
      ownerList: listKey(owner, request.params.listId),
      id: randomUUID(),
      listId: request.params.listId,
      title: request.body.title,
      done: false,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
    await tasks.put(task, { ifNotExists: true });
    return created(shown(task), `/tasks/${task.id}`);
  }

  /** One task. */
  @get('/tasks/{id}', { params: TaskParams, response: TaskSchema })
  @uses(Tasks, 'read')
  static async read(request: HttpRequest<{ params: typeof TaskParams }>) {
    const task = await tasks.get({ owner: callerOf(request), id: request.params.id });
    if (!task) throw new NotFoundError(`There is no task ${request.params.id}.`);
    return shown(task);
  }

  /** Changes the title or done, only if the task is still at the version the client saw (else 409). */
  @patch('/tasks/{id}', { params: TaskParams, body: TaskChanges, response: TaskSchema })
  @uses(Tasks, 'update')
  static async update(request: HttpRequest<{ params: typeof TaskParams; body: typeof TaskChanges }>) {
    const { id } = request.params;
    const { version, ...changes } = request.body;
    const updated = await whenUnchanged(id, version, () =>
      tasks.update(
        { owner: callerOf(request), id },
        {
          set: { ...changes, version: version + 1, updatedAt: new Date().toISOString() },
          condition: atVersion(version),
        },
      ),
    );
    return shown(updated);
  }

  /** Deletes the task if it is still at the version the client saw (`?version=`); 204 No Content. */
  @del('/tasks/{id}', { params: TaskParams, query: Version, response: null })
  @uses(Tasks, 'delete')
  static async remove(request: HttpRequest<{ params: typeof TaskParams; query: typeof Version }>) {
    const { id } = request.params;
    await whenUnchanged(id, request.query.version, () =>
      tasks.delete(
        { owner: callerOf(request), id },
        {
          condition: {
            ...atVersion(request.query.version),
            expression: 'attribute_exists(id) AND #version = :version',
          },
        },
      ),
    );
  }
}

const atVersion = (version: number) => ({
  expression: '#version = :version',
  names: { '#version': 'version' },
  values: { ':version': version },
});

/** A failed version condition: 404 when the task is gone, else 409 with the version it has now. */
async function whenUnchanged<R>(id: string, version: number, write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const stored = error.details?.current as StoredTask | undefined;
    if (!stored) throw new NotFoundError(`There is no task ${id}.`);
    const current = shown(stored);
    // The caller knows which task it sent: the message says what happened and what to do.
    throw new ConflictError(
      `The task was changed since you read it (version ${version}, now ${current.version}): read it again and retry.`,
      { code: 'stale', details: { current } },
    );
  }
}
