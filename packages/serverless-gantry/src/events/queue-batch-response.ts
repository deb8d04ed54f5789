import type { InvokeOutcome } from './invoke.js';

/** A message of an invoked batch: its id, and its group on a FIFO queue. */
export interface BatchMessage {
  messageId: string;
  group?: string | undefined;
}

export interface BatchSettlement {
  /** Messages done with: deleted from the queue. The others come back after the visibility timeout. */
  done: string[];
  /** Why the whole batch failed, when the function returned a response Lambda rejects. */
  malformed?: string;
}

/**
 * What Lambda's SQS event source mapping, with `ReportBatchItemFailures` (always on for Gantry
 * consumers), does with an invocation's outcome:
 * - an error or a timeout fails the whole batch;
 * - `null`, no `batchItemFailures`, or an empty list: every message is done;
 * - listed `itemIdentifier`s fail and the rest are done, unless an entry is not an object or its
 *   identifier is null, empty or not a message of the batch, or the list or the response is not
 *   what Lambda reads: then the whole batch fails;
 * - on a FIFO queue, a group's messages after its first failure in the batch are not done either,
 *   so the group keeps its order.
 */
export function settleBatch(outcome: InvokeOutcome, batch: BatchMessage[], fifo: boolean): BatchSettlement {
  if (outcome.type !== 'result') return { done: [] };
  const response = outcome.result;
  if (response === null || response === undefined) return { done: batch.map((m) => m.messageId) };
  if (typeof response !== 'object' || Array.isArray(response)) {
    return { done: [], malformed: `returned ${describe(response)}, not a batch response` };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { done: batch.map((m) => m.messageId) };
  if (!Array.isArray(failures)) {
    return { done: [], malformed: `returned batchItemFailures ${describe(failures)}, not a list` };
  }
  const ids = new Set(batch.map((m) => m.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const id =
      typeof failure === 'object' && failure !== null
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    if (typeof id !== 'string' || !ids.has(id)) {
      return {
        done: [],
        malformed: `returned the batch item failure ${describe(failure)}: an itemIdentifier must be the messageId of a record of the batch`,
      };
    }
    failed.add(id);
  }
  const stoppedGroups = new Set<string>();
  const done: string[] = [];
  for (const message of batch) {
    const group = message.group ?? '';
    if (failed.has(message.messageId)) {
      if (fifo) stoppedGroups.add(group);
    } else if (!(fifo && stoppedGroups.has(group))) {
      done.push(message.messageId);
    }
  }
  return { done };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
