import { consumes, fn, onChange, post, queue, schedule, table, uses } from '@gantry/decorators';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../src/discover/build-manifest.js';
import { GantryBuildError } from '../src/errors.js';

const context = { service: 'shop', stage: 'dev' };
const Orders = table('orders', { partitionKey: { name: 'id', type: 'S' } });
const Audit = table('audit', { partitionKey: { name: 'id', type: 'S' }, stream: 'NEW_IMAGE' });
const Jobs = queue('jobs', { deadLetter: { maxReceiveCount: 5 } });
const Ordered = queue('ordered', { fifo: true });

function problemsOf(exports: Record<string, unknown>): string[] {
  try {
    buildManifest([{ file: 'src/work.ts', exports }], context);
  } catch (error) {
    if (error instanceof GantryBuildError) return error.problems;
    throw error;
  }
  throw new Error('expected a GantryBuildError');
}

describe('events in the Manifest', () => {
  it('records queues, senders, consumers, schedules and change consumers, with their defaults', () => {
    class Work {
      @post('/orders')
      @uses(Orders, 'write')
      @uses(Jobs, 'send')
      static create() {}

      @consumes(Jobs, { batchSize: 5 })
      @fn({ timeout: 20 })
      static fulfil() {}

      @onChange(Orders)
      static count() {}

      @onChange(Audit, { startingPosition: 'TRIM_HORIZON', retries: 2 })
      static audit() {}

      @schedule('cron(0 3 * * ? *)', { timezone: 'Europe/Berlin' })
      @schedule('rate(1 hour)', { input: { full: true } })
      static purge() {}
    }
    const manifest = buildManifest([{ file: 'src/work.ts', exports: { Work, Ordered } }], context);
    expect(manifest.queues).toEqual([
      {
        name: 'ordered',
        queueName: 'shop-dev-ordered.fifo',
        envVar: 'GANTRY_QUEUE_ORDERED',
        fifo: true,
        visibilityTimeout: 30,
        retentionPeriod: 345600,
        source: 'src/work.ts',
      },
      {
        name: 'jobs',
        queueName: 'shop-dev-jobs',
        envVar: 'GANTRY_QUEUE_JOBS',
        fifo: false,
        // six times fulfil's 20 s
        visibilityTimeout: 120,
        retentionPeriod: 345600,
        deadLetter: { maxReceiveCount: 5, queueName: 'shop-dev-jobs-dlq' },
        source: 'src/work.ts',
      },
    ]);
    const byName = Object.fromEntries(manifest.functions.map((f) => [f.name, f]));
    expect(byName['work-create']).toMatchObject({ sends: ['jobs'], triggers: [] });
    expect(byName['work-fulfil']?.triggers).toEqual([
      { type: 'queue', queue: 'jobs', batchSize: 5, maxBatchingWindow: 0 },
    ]);
    expect(byName['work-count']?.triggers).toEqual([
      { type: 'change', table: 'orders', batchSize: 100, startingPosition: 'LATEST', retries: -1 },
    ]);
    expect(byName['work-audit']?.triggers).toEqual([
      { type: 'change', table: 'audit', batchSize: 100, startingPosition: 'TRIM_HORIZON', retries: 2 },
    ]);
    expect(byName['work-purge']?.triggers).toEqual([
      { type: 'schedule', expression: 'cron(0 3 * * ? *)', timezone: 'Europe/Berlin' },
      { type: 'schedule', expression: 'rate(1 hour)', input: { full: true } },
    ]);
    // A consumed table gets a stream; a declared view type is kept.
    expect(manifest.tables.map((t) => [t.name, t.stream])).toEqual([
      ['orders', 'NEW_AND_OLD_IMAGES'],
      ['audit', 'NEW_IMAGE'],
    ]);
  });

  it('reports every mistake at once, each with file › Class.method and the fix', () => {
    const Small = queue('small', { visibilityTimeout: 10 });
    class Bad {
      @consumes(Ordered, { batchSize: 20, maxBatchingWindow: 5 })
      static ordered() {}

      @consumes(Jobs, { batchSize: 50 })
      static big() {}

      @consumes(Jobs)
      static again() {}

      @consumes(Small)
      @fn({ timeout: 30 })
      static slow() {}

      @schedule('cron(0 12 * * * *)')
      @schedule('rate(5 minute)', { timezone: 'Mars/Olympus' })
      static badSchedules() {}

      @onChange(Orders, { batchSize: 0, retries: -2, onFailure: Ordered })
      static changes() {}

      @post('/x')
      @schedule('rate(1 day)')
      static mixed() {}

      @consumes(queue('lost'))
      @onChange(Orders)
      static both() {}
    }
    const problems = problemsOf({ Bad, DeadLetters: queue('dl', { deadLetter: { maxReceiveCount: 0 } }) });
    const expected = [
      'src/work.ts › Bad.ordered: @consumes(ordered, { batchSize: 20 }): a FIFO queue delivers at most 10 messages per batch (Lambda); set batchSize to 10 or less.',
      'src/work.ts › Bad.ordered: @consumes(ordered, { maxBatchingWindow: 5 }): Lambda has no batching window for FIFO queues; remove maxBatchingWindow.',
      'src/work.ts › Bad.big: @consumes(jobs, { batchSize: 50 }): more than 10 messages per batch needs a batching window (Lambda); add maxBatchingWindow of at least 1 second, or set batchSize to 10 or less.',
      "src/work.ts › Bad.slow: its timeout (30 s) is longer than queue 'small''s visibility timeout (10 s), and AWS refuses such a trigger at deploy; raise visibilityTimeout to at least 180 (six times the timeout plus the batching window), or leave it out for that default.",
      'src/work.ts › Bad.changes: @onChange(orders, { batchSize: 0 }) must be a whole number from 1 to 10000.',
      'src/work.ts › Bad.changes: @onChange(orders, { retries: -2 }) must be a whole number from -1 to 10000.',
      'src/work.ts › Bad.changes: @onChange(orders, { onFailure: ordered }): Lambda sends failed batches to standard queues only; use a queue without fifo.',
      'src/work.ts › Bad.mixed: a method is either served by routes or run by events (@schedule); move the event work into a method of its own.',
      'src/work.ts › Bad.both: a method runs on one kind of event, but this one has @consumes and @onChange; give each its own method.',
      "src/work.ts › Bad.again: queue 'jobs' is already consumed by src/work.ts › Bad.big; SQS would hand each message to one of them at random: consume it in one method, or declare a queue for each.",
      "src/work.ts › queue 'dl': queue('dl', { deadLetter: { maxReceiveCount: 0 } }) must be a whole number from 1 to 1000.",
    ];
    for (const problem of expected) expect(problems).toContain(problem);
    // The schedule grammar: each expression's problem is reported with where it was written.
    expect(
      problems.filter((p) => p.startsWith('src/work.ts › Bad.badSchedules: @schedule: ')).length,
    ).toBeGreaterThanOrEqual(3);
    expect(problems.join('\n')).toMatch(/cron\(0 12 \* \* \* \*\)/);
    expect(problems.join('\n')).toMatch(/rate\(5 minute\)/);
    expect(problems.join('\n')).toMatch(/Mars\/Olympus/);
  });

  it('refuses a queue access other than send, and a consumer given something that is not a queue', () => {
    class Wrong {
      // @ts-expect-error: a queue's one access is 'send'
      @uses(Jobs, 'read')
      // @ts-expect-error: consumes takes a queue
      @consumes(Orders)
      static work() {}
    }
    expect(problemsOf({ Wrong })).toEqual(
      expect.arrayContaining([
        "src/work.ts › Wrong.work: uses(jobs) access 'read' is not 'send', the one access to a queue; consume it with @consumes(jobs).",
        "src/work.ts › Wrong.work: consumes() was given an object, not a queue: pass a value made by queue('name', { ... }) and check its import.",
      ]),
    );
  });
});
