import { consumes, fn, onChange, queue, schedule, table } from '@gantry/decorators';
import type { QueueMessage, TableChange } from '@gantry/middy';

/** One message at a time, sent by the benchmark: how long until its consumer starts. */
export const Latency = queue('latency');
/** 10,000 messages, 10% failing once: a short visibility timeout brings the failures back quickly. */
export const Work = queue('work', { visibilityTimeout: 2 });
/**
 * Not consumed by a function: the benchmark reads it with plain long-polling loops (the IAM front
 * and fauxqs alone), for latency and for the 10,000 messages, so its visibility matches Work's.
 */
export const FrontOnly = queue('front-only', { visibilityTimeout: 2 });
/** Not consumed by a function: the benchmark runs Gantry's queue poller on these with an in-process invoke. */
export const PollerOnly = queue('poller-only');
export const PollerWork = queue('poller-work', { visibilityTimeout: 2 });
export const Items = table('items', { partitionKey: { name: 'id', type: 'S' } });

// When a method starts, on the clock all threads of a process share, in sub-millisecond steps.
const now = () => performance.timeOrigin + performance.now();

export class BenchWork {
  @consumes(Latency, { batchSize: 1 })
  static async latency(message: QueueMessage<{ id: string }>) {
    const started = now();
    console.log(`bench-start queue ${message.body.id} ${started}`);
  }

  /** Fails a tenth of the messages (every n divisible by 10) the first time each is received. */
  @consumes(Work, { batchSize: 10 })
  @fn({ timeout: 2 })
  static async work(message: QueueMessage<{ n: number }>) {
    const started = now();
    const { n } = message.body;
    const fail = n % 10 === 0 && message.receiveCount === 1;
    console.log(`bench-work ${n} ${message.receiveCount} ${fail ? 'fail' : 'ok'} ${started}`);
    if (fail) throw new Error(`message ${n} fails on its first receive`);
  }

  @onChange(Items, { batchSize: 1 })
  static async changed(change: TableChange<{ id: string }>) {
    const started = now();
    console.log(`bench-start change ${change.newItem?.id ?? String(change.keys.id)} ${started}`);
  }

  /** Run by the benchmark only (`runSchedule`): the invoke path alone, without a poller. */
  @schedule('rate(1 day)')
  static async tick() {
    const started = now();
    console.log(`bench-start schedule - ${started}`);
  }
}
