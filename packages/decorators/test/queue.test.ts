import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  consumes,
  isQueue,
  type MessageOf,
  onChange,
  queue,
  queueEnvVar,
  readClassMetadata,
  schedule,
  table,
  uses,
} from '../src/index.js';

describe('queue()', () => {
  it('is a frozen value recognised by isQueue, with its body type from the schema', () => {
    const Jobs = queue('jobs-v2', { message: z.object({ id: z.string() }), deadLetter: { maxReceiveCount: 3 } });
    expect(isQueue(Jobs)).toBe(true);
    expect(isQueue({ name: 'jobs-v2' })).toBe(false);
    expect(Object.isFrozen(Jobs)).toBe(true);
    expect(queueEnvVar(Jobs)).toBe('GANTRY_QUEUE_JOBS_V2');
    expectTypeOf<MessageOf<typeof Jobs>>().toEqualTypeOf<{ id: string }>();
    expectTypeOf<MessageOf<ReturnType<typeof queue>>>().toEqualTypeOf<unknown>();
  });

  it.each(['jobs.fifo', 'has space', '', 'x'.repeat(81)])('refuses the name %j with the rule', (name) => {
    expect(() => queue(name)).toThrow(/only letters, digits, '_' and '-'/);
  });
});

describe('event decorators', () => {
  it('record triggers in the order written and queue uses beside table uses', () => {
    const Jobs = queue('jobs');
    const Tasks = table('tasks', { partitionKey: { name: 'id', type: 'S' } });
    class Work {
      @consumes(Jobs, { batchSize: 5 })
      @uses(Jobs, 'send')
      static work() {}

      @schedule('cron(0 3 * * ? *)', { timezone: 'Europe/Berlin' })
      @schedule('rate(1 hour)')
      static nightly() {}

      @onChange(Tasks, { onFailure: Jobs })
      static count() {}
    }
    const methods = readClassMetadata(Work)?.methods ?? {};
    expect(methods.work?.triggers).toEqual([{ type: 'queue', queue: Jobs, options: { batchSize: 5 } }]);
    expect(methods.work?.uses).toEqual([{ resource: Jobs, access: 'send' }]);
    expect(methods.nightly?.triggers.map((t) => (t.type === 'schedule' ? t.expression : t.type))).toEqual([
      'cron(0 3 * * ? *)',
      'rate(1 hour)',
    ]);
    expect(methods.count?.triggers).toEqual([{ type: 'change', table: Tasks, options: { onFailure: Jobs } }]);
    // Decorators record only: the methods are callable as written.
    expect(Work.work()).toBeUndefined();
  });
});
