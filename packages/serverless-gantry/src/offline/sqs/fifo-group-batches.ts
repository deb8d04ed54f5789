/**
 * What the bridge touches of a fauxqs 1.9.2 queue (its class is internal): the FIFO receive, the
 * timer pass that returns expired messages, the group locks and the messages in flight.
 */
interface FauxqsFifoQueue {
  dequeueFifo(maxCount: number, visibilityTimeout?: number, deadLetterResolver?: unknown): { ReceiptHandle: string }[];
  processTimers(): void;
  isFifo(): boolean;
  fifoLockedGroups: Map<string, number>;
  inflightMessages: Map<string, { message: { messageGroupId?: string; sequenceNumber?: string } }>;
}

// fauxqs files a FIFO message sent without a group under this key.
const DEFAULT_GROUP = '__default';

/**
 * Makes a fauxqs FIFO queue receive as SQS does. Two narrow bridges, each through fauxqs's own code
 * (receive counts, visibility, the dead-letter move and the group locks stay fauxqs's):
 *
 * - SQS fills a receive with as many messages of one group as it can, in order, before the next
 *   group; fauxqs 1.9.2 (and 2.9.2) hands out one message per group per call, so a Lambda batch of
 *   a FIFO queue could never hold two messages of a group. The bridge takes the next group's head
 *   with fauxqs's receive, then more of that group by calling it again with only that group open.
 * - Messages of a group whose visibility runs out go back to the group's front one by one in the
 *   order they were received, which reverses them. fauxqs never had two of a group in flight; with
 *   the first bridge it does, so the timer pass sees a group's in-flight messages latest first.
 */
export function receiveFifoByGroup<T>(queue: T): T {
  const fifo = queue as T & FauxqsFifoQueue;
  if (
    typeof fifo.dequeueFifo !== 'function' ||
    typeof fifo.processTimers !== 'function' ||
    !(fifo.fifoLockedGroups instanceof Map) ||
    !(fifo.inflightMessages instanceof Map)
  ) {
    throw new Error("the local SQS's FIFO bridge does not fit this fauxqs version (written for fauxqs 1.9.2)");
  }
  const receive = fifo.dequeueFifo.bind(fifo);
  const returnExpired = fifo.processTimers.bind(fifo);

  const processTimers = () => {
    if (fifo.isFifo() && fifo.inflightMessages.size > 1) latestFirst(fifo.inflightMessages);
    returnExpired();
  };

  // One more message of `group`, through fauxqs's receive with every other group closed. The timer
  // pass just ran in the call that opened the group, so it is skipped here.
  const nextOfGroup = (group: string, visibilityTimeout?: number, deadLetterResolver?: unknown) => {
    const locks = fifo.fifoLockedGroups;
    const onlyGroup = new Proxy(locks, {
      get(target, property) {
        if (property === 'has') return (id: string) => id !== group;
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    fifo.fifoLockedGroups = onlyGroup;
    fifo.processTimers = () => {};
    try {
      return receive(1, visibilityTimeout, deadLetterResolver);
    } finally {
      fifo.fifoLockedGroups = locks;
      fifo.processTimers = processTimers;
    }
  };

  fifo.processTimers = processTimers;
  fifo.dequeueFifo = (maxCount, visibilityTimeout, deadLetterResolver) => {
    const count = Math.min(maxCount, 10);
    const batch: { ReceiptHandle: string }[] = [];
    while (batch.length < count) {
      const head = receive(1, visibilityTimeout, deadLetterResolver);
      const first = head[0];
      if (!first) break;
      batch.push(first);
      const group = fifo.inflightMessages.get(first.ReceiptHandle)?.message.messageGroupId ?? DEFAULT_GROUP;
      while (batch.length < count) {
        const next = nextOfGroup(group, visibilityTimeout, deadLetterResolver)[0];
        if (!next) break;
        batch.push(next);
      }
    }
    return batch;
  };
  return queue;
}

/** Reorders the in-flight map so each group's messages come latest (highest sequence number) first. */
function latestFirst(inflight: FauxqsFifoQueue['inflightMessages']): void {
  const entries = [...inflight].sort(([, a], [, b]) => {
    const x = a.message.sequenceNumber ?? '';
    const y = b.message.sequenceNumber ?? '';
    return x < y ? 1 : x > y ? -1 : 0;
  });
  inflight.clear();
  for (const [handle, entry] of entries) inflight.set(handle, entry);
}
