import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { api, consumes, del, get, type MessageOf, onChange, schedule, uses } from '@gantry/decorators';
import { type HttpRequest, type QueueMessage, respond, type TableChange, UnauthorizedError } from '@gantry/middy';
import { documentClient, tableClient } from '@gantry/middy/dynamodb';
import { queueClient } from '@gantry/middy/sqs';
import * as v from 'valibot';
import { ClearDone } from './queues.js';
import { Counts, Tasks } from './tables.js';
import { ListParams, type Task } from './tasks.js';

const ListCounts = v.object({ open: v.pipe(v.number(), v.integer()), done: v.pipe(v.number(), v.integer()) });
const Accepted = v.object({ accepted: v.literal(true) });

type StoredTask = Task & { owner: string; ownerList: string };
interface ListCount extends Record<string, unknown> {
  ownerList: string;
  open: number;
  done: number;
}

const counts = tableClient<ListCount>(Counts);
const tasks = tableClient<StoredTask>(Tasks);
const clearDone = queueClient(ClearDone);

function callerOf(request: HttpRequest): string {
  const sub = request.claims.sub;
  if (typeof sub !== 'string' || sub === '') throw new UnauthorizedError('Sign in to use your tasks.');
  return sub;
}

/** Done tasks older than this are removed by the nightly purge. */
export const KEEP_DONE_DAYS = 30;

@api('', { cors: true, auth: {} })
export class Lists {
  /** A list's open and done counts (zero for a list without tasks). */
  @get('/lists/{listId}/counts', { params: ListParams, response: ListCounts })
  @uses(Counts, 'read')
  static async counts(request: HttpRequest<{ params: typeof ListParams }>) {
    const found = await counts.get({ ownerList: `${callerOf(request)}#${request.params.listId}` });
    return { open: found?.open ?? 0, done: found?.done ?? 0 };
  }

  /** Clears a list's done tasks in the background: 202 Accepted at once, the queue's consumer deletes them. */
  @del('/lists/{listId}/done', { params: ListParams, response: Accepted })
  @uses(ClearDone, 'send')
  static async clearDone(request: HttpRequest<{ params: typeof ListParams }>) {
    await clearDone.send({ owner: callerOf(request), listId: request.params.listId });
    return respond({ status: 202, body: { accepted: true as const } });
  }
}

/** What runs between requests: on the tasks' changes, on a queue, on a schedule. */
export class ListWork {
  /**
   * Keeps each list's counts: +1/−1 open or done for each task added, completed, reopened or
   * deleted. One atomic ADD per change, so concurrent changes never lose a count.
   */
  @onChange(Tasks)
  @uses(Counts, 'update')
  static async count(change: TableChange<StoredTask>) {
    const before = change.oldItem;
    const after = change.newItem;
    const delta = { open: 0, done: 0 };
    if (before) delta[before.done ? 'done' : 'open'] -= 1;
    if (after) delta[after.done ? 'done' : 'open'] += 1;
    if (delta.open === 0 && delta.done === 0) return; // a title change
    const ownerList = (after ?? before)?.ownerList;
    if (!ownerList) return;
    await documentClient().send(
      new UpdateCommand({
        TableName: process.env.GANTRY_TABLE_COUNTS,
        Key: { ownerList },
        UpdateExpression: 'ADD #open :open, #done :done',
        ExpressionAttributeNames: { '#open': 'open', '#done': 'done' },
        ExpressionAttributeValues: { ':open': delta.open, ':done': delta.done },
      }),
    );
  }

  /** Deletes one list's done tasks (sent by `DELETE /lists/{listId}/done`). */
  @consumes(ClearDone)
  // readwrite: it queries, and deletes in batches; IAM cannot narrow BatchWriteItem to deletes.
  @uses(Tasks, 'readwrite')
  static async clear(message: QueueMessage<MessageOf<typeof ClearDone>>) {
    const { owner, listId } = message.body;
    let cursor: string | undefined;
    do {
      const page = await tasks.query({
        index: 'byList',
        partition: `${owner}#${listId}`,
        limit: 100,
        ...(cursor ? { cursor } : {}),
      });
      const done = page.items.filter((task) => task.done);
      if (done.length > 0) await tasks.batchWrite({ delete: done.map((t) => ({ owner: t.owner, id: t.id })) });
      cursor = page.cursor;
    } while (cursor);
  }

  /** Every night at 03:00 UTC: removes tasks done more than 30 days ago. */
  @schedule('cron(0 3 * * ? *)')
  // readwrite: it scans, and deletes in batches (BatchWriteItem, which only 'write' grants).
  @uses(Tasks, 'readwrite')
  static async purge() {
    const before = new Date(Date.now() - KEEP_DONE_DAYS * 86_400_000).toISOString();
    let removed = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documentClient().send(
        new ScanCommand({
          TableName: process.env.GANTRY_TABLE_TASKS,
          FilterExpression: '#done = :true AND #updatedAt < :before',
          ExpressionAttributeNames: { '#done': 'done', '#updatedAt': 'updatedAt', '#owner': 'owner' },
          ExpressionAttributeValues: { ':true': true, ':before': before },
          ProjectionExpression: '#owner, id',
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      const keys = (page.Items ?? []) as { owner: string; id: string }[];
      if (keys.length > 0) await tasks.batchWrite({ delete: keys });
      removed += keys.length;
      start = page.LastEvaluatedKey;
    } while (start);
    return { removed };
  }
}
