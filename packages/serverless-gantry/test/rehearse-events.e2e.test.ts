import { copyFile, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sls } from './support/serverless.js';
import { tempService } from './support/temp-service.js';

// `sls gantry rehearse` of a service with every kind of event, against moto with Gantry's bridges
// (see rehearse.e2e.test.ts). A file of its own so vitest can run it next to that file's rehearsals.
const here = dirname(fileURLToPath(import.meta.url));
const REHEARSAL_MS = 15 * 60_000;

const checkLines = (output: string) => output.split('\n').filter((l) => /^[✔✘] /.test(l));

describe('sls gantry rehearse, events', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  // The rehearse-events fixture has every kind of event (a FIFO queue, a dead-letter queue, a change
  // consumer with retries and an on-failure queue, two schedules, one in a time zone with an input,
  // off on dev) and every consumer runs (the route sends to jobs, whose consumer sends on to the
  // FIFO receipts queue). break-events.cjs changes seven facts of what Gantry generated, as a bug
  // would: exactly those fail, named; everything else holds. One rehearsal for both, to keep time.
  it(
    'rehearses a service with queues, a change consumer and schedules: each broken fact fails and is named, the rest hold',
    async () => {
      const fixture = join(here, 'fixtures', 'rehearse-events');
      const service = await tempService({
        'serverless.yml': (await readFile(join(fixture, 'serverless.yml'), 'utf8')).replace(
          '  - serverless-esbuild\n',
          '  - serverless-esbuild\n  - ./break-events.cjs\n',
        ),
        'src/orders.ts': await readFile(join(fixture, 'src', 'orders.ts'), 'utf8'),
        'src/resources.ts': await readFile(join(fixture, 'src', 'resources.ts'), 'utf8'),
      });
      cleanups.push(service.remove);
      await copyFile(join(here, 'fixtures', 'rehearse', 'break-events.cjs'), join(service.dir, 'break-events.cjs'));

      const { code, stdout } = await sls(service.dir, ['gantry', 'rehearse', '--stage', 'dev']);

      expect(code).toBe(1);
      const lines = checkLines(stdout);
      const failed = lines
        .filter((l) => l.startsWith('✘'))
        .map((l) => l.replace(/: expected .*|: (allowed|denied)$/, ''));
      const broken = [
        '✘ table rehearse-events-dev-orders: stream',
        '✘ queue rehearse-events-dev-jobs: redrive to rehearse-events-dev-jobs-dlq after 3 receives',
        '✘ role rehearse-events-dev-order-work-fulfil-eu-west-1: policy OrderWorkFulfilPolicy',
        '✘ mapping queue rehearse-events-dev-jobs → rehearse-events-dev-order-work-fulfil: state Enabled, batch 5, window 2, max concurrency unset, responses ReportBatchItemFailures',
        '✘ scheduler role rehearse-events-dev-order-work-purge-schedule-eu-west-1: trust',
        '✘ schedule rehearse-events-dev-order-work-purge-2: DISABLED (stage dev)',
      ];
      expect(failed.sort()).toEqual(
        [
          ...broken,
          ...broken.map((l) => l.replace('✘ ', '✘ after update: ')),
          '✘ role of rehearse-events-dev-order-work-fulfil: sqs:ReceiveMessage on rehearse-events-dev-receipts.fifo denied',
          '✘ after remove: queues',
        ].sort(),
      );
      expect(stdout).toContain('✘ after remove: queues: expected [], found ["http://127.0.0.1:');
      expect(lines).toEqual(
        expect.arrayContaining([
          '✔ queue rehearse-events-dev-receipts.fifo: FIFO',
          '✔ queue rehearse-events-dev-receipts.fifo: content-based deduplication',
          '✔ queue rehearse-events-dev-failures: retention',
          '✔ mapping stream of rehearse-events-dev-orders → rehearse-events-dev-order-work-count: state Enabled, batch 50, start TRIM_HORIZON, retries 3, on failure arn:aws:sqs:eu-west-1:123456789012:rehearse-events-dev-failures, responses ReportBatchItemFailures',
          '✔ schedule rehearse-events-dev-order-work-purge: cron(0 3 * * ? *) in Europe/Berlin, no flexible window',
          '✔ schedule rehearse-events-dev-order-work-purge: DISABLED (stage dev)',
          '✔ schedule rehearse-events-dev-order-work-purge: input',
          '✔ function rehearse-events-dev-order-work-purge: the schedules that target it',
          '✔ function rehearse-events-dev-orders-api-create: POST /orders with its role → 201',
          '✔ function rehearse-events-dev-order-work-fulfil: a batch from rehearse-events-dev-jobs, received and deleted with its role → 1 message done',
          '✔ function rehearse-events-dev-order-work-receipt: a batch from rehearse-events-dev-receipts.fifo, received and deleted with its role → 1 message done',
          '✔ role of rehearse-events-dev-order-work-fulfil: sqs:SendMessage on rehearse-events-dev-receipts.fifo allowed',
          '✔ role of rehearse-events-dev-order-work-count: sqs:SendMessage on rehearse-events-dev-failures allowed',
          '✔ role of rehearse-events-dev-order-work-receipt: sqs:SendMessage on rehearse-events-dev-jobs denied',
          '✔ scheduler role rehearse-events-dev-order-work-purge-schedule-eu-west-1: lambda:InvokeFunction on rehearse-events-dev-order-work-fulfil denied',
          '✔ after remove: event source mappings',
          '✔ after remove: schedules',
        ]),
      );
    },
    REHEARSAL_MS,
  );
});
