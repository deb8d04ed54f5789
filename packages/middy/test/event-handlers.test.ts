import { DynamoDBStreamSchema } from '@aws-lambda-powertools/parser/schemas/dynamodb';
import { SqsSchema } from '@aws-lambda-powertools/parser/schemas/sqs';
import { consumes, onChange, queue, schedule, table } from '@gantry/decorators';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { changeHandler, type QueueMessage, queueHandler, scheduledHandler, type TableChange } from '../src/index.js';
import { lambdaContext } from './support/events.js';
import { sqsRecord, streamRecord } from './support/records.js';

const silent = { logger: { write: () => undefined } };
const Jobs = queue('jobs', { message: v.object({ taskId: v.string() }) });
const Ordered = queue('ordered', { fifo: true });
const Tasks = table('tasks', { partitionKey: { name: 'id', type: 'S' } });

describe('queueHandler', () => {
  it('hands each message parsed and validated, and reports none failed when all pass', async () => {
    const seen: QueueMessage[] = [];
    class Worker {
      @consumes(Jobs)
      static async work(message: QueueMessage<{ taskId: string }>) {
        seen.push(message);
      }
    }
    const event = { Records: [sqsRecord('m1', '{"taskId":"a"}'), sqsRecord('m2', '{"taskId":"b"}')] };
    expect(SqsSchema.safeParse(event).success).toBe(true);
    const response = await queueHandler(Worker, 'work', silent)(event, lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen.map((m) => [m.messageId, m.body, m.receiveCount])).toEqual([
      ['m1', { taskId: 'a' }, 1],
      ['m2', { taskId: 'b' }, 1],
    ]);
    expect(seen[0]?.sentAt.getTime()).toBe(1795791600000);
  });

  it('reports exactly the messages that threw or failed the schema, each alone', async () => {
    const lines: string[] = [];
    class Worker {
      @consumes(Jobs)
      static async work(message: QueueMessage<{ taskId: string }>) {
        if (message.body.taskId === 'boom') throw new Error('no such task');
      }
    }
    const event = {
      Records: [
        sqsRecord('ok', '{"taskId":"a"}'),
        sqsRecord('throws', '{"taskId":"boom"}'),
        sqsRecord('invalid', '{"taskId":7}'),
        sqsRecord('not-json', 'hello'),
      ],
    };
    const response = await queueHandler(Worker, 'work', { logger: { write: (l) => lines.push(l) } })(
      event,
      lambdaContext(),
    );
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['invalid', 'not-json', 'throws']);
    const batch = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'batch');
    expect(batch).toMatchObject({ records: 4, failed: 3, function: 'notes-api', requestId: 'req-1' });
  });

  it('on a FIFO queue skips the rest of a failed message group, but not other groups', async () => {
    const ran: string[] = [];
    class Worker {
      @consumes(Ordered)
      static async work(message: QueueMessage) {
        ran.push(message.messageId);
        if (message.messageId === 'a1') throw new Error('fails');
      }
    }
    const event = {
      Records: [
        sqsRecord('a1', '1', { groupId: 'a', sequence: '1' }),
        sqsRecord('b1', '2', { groupId: 'b', sequence: '2' }),
        sqsRecord('a2', '3', { groupId: 'a', sequence: '3' }),
        sqsRecord('b2', '4', { groupId: 'b', sequence: '4' }),
      ],
    };
    const response = await queueHandler(Worker, 'work', silent)(event, lambdaContext());
    expect(ran).toEqual(['a1', 'b1', 'b2']);
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a1', 'a2']);
  });

  it('refuses a method without @consumes', () => {
    class Worker {
      static async work() {}
    }
    expect(() => queueHandler(Worker, 'work')).toThrow('Worker.work has no @consumes(queue)');
  });
});

describe('changeHandler', () => {
  it('hands each change unmarshalled and reports a failed one by its sequence number', async () => {
    const seen: TableChange[] = [];
    class Counts {
      @onChange(Tasks)
      static async count(change: TableChange) {
        seen.push(change);
        if (change.type === 'REMOVE' && !change.expired) throw new Error('cannot count');
      }
    }
    const event = {
      Records: [
        streamRecord('100', 'INSERT', { keys: { id: { S: 't1' } }, new: { id: { S: 't1' }, done: { BOOL: false } } }),
        streamRecord('200', 'MODIFY', {
          keys: { id: { S: 't1' } },
          old: { id: { S: 't1' }, done: { BOOL: false } },
          new: { id: { S: 't1' }, done: { BOOL: true }, n: { N: '2' } },
        }),
        streamRecord('300', 'REMOVE', { keys: { id: { S: 't1' } }, old: { id: { S: 't1' } } }),
        streamRecord('400', 'REMOVE', { keys: { id: { S: 't2' } }, old: { id: { S: 't2' } } }, true),
      ],
    };
    expect(DynamoDBStreamSchema.safeParse(event).success).toBe(true);
    const response = await changeHandler(Counts, 'count', silent)(event, lambdaContext());
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: '300' }]);
    expect(seen[1]).toMatchObject({
      type: 'MODIFY',
      keys: { id: 't1' },
      oldItem: { id: 't1', done: false },
      newItem: { id: 't1', done: true, n: 2 },
      sequenceNumber: '200',
      expired: false,
    });
    expect(seen[0]?.oldItem).toBeUndefined();
    expect(seen[3]).toMatchObject({ type: 'REMOVE', expired: true });
  });
});

describe('scheduledHandler', () => {
  it("passes the schedule's input and rethrows a failure so Lambda's retries apply", async () => {
    const inputs: unknown[] = [];
    class Cleanup {
      @schedule('rate(1 day)', { input: { olderThanDays: 30 } })
      static async purge(input: unknown) {
        inputs.push(input);
        if ((input as { fail?: boolean }).fail) throw new Error('table busy');
        return 'purged';
      }
    }
    const run = scheduledHandler(Cleanup, 'purge', silent);
    await expect(run({ olderThanDays: 30 }, lambdaContext())).resolves.toBe('purged');
    await expect(run({ fail: true }, lambdaContext())).rejects.toThrow('table busy');
    expect(inputs).toEqual([{ olderThanDays: 30 }, { fail: true }]);
  });
});
