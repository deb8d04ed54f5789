import type { InvokeOutcome } from './invoke.js';

/** What an invocation did with a batch of stream records, as Lambda's event source mapping reads it. */
export type StreamBatchResult =
  | { type: 'success' }
  /** The function failed (threw, its init failed, it timed out): the whole batch failed. */
  | { type: 'function-error'; reason: string }
  /** It returned, but its `batchItemFailures` cannot be used (null or empty id, an id not in the batch): the whole batch failed. */
  | { type: 'invalid-response'; reason: string }
  /** It reported failures: the records before `from` are done, the rest are retried. */
  | { type: 'partial'; from: number; reason: string };

/**
 * Reads an invocation's outcome for a batch (records in stream order, by sequence number). With
 * `ReportBatchItemFailures`, `{ batchItemFailures: [{ itemIdentifier: <SequenceNumber> }] }`
 * checkpoints before the lowest failed record; an empty or null list, or no response, is success;
 * an `itemIdentifier` that is null, empty or not in the batch fails the whole batch. Without it,
 * any result is success.
 */
export function streamBatchResult(
  outcome: InvokeOutcome,
  sequenceNumbers: string[],
  reportBatchItemFailures: boolean,
): StreamBatchResult {
  if (outcome.type === 'timeout') return { type: 'function-error', reason: 'timed out' };
  if (outcome.type === 'error') {
    return { type: 'function-error', reason: `${outcome.error.errorType}: ${outcome.error.errorMessage}` };
  }
  const response = outcome.result;
  if (!reportBatchItemFailures || typeof response !== 'object' || response === null) return { type: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { type: 'success' };
  if (!Array.isArray(failures)) {
    return { type: 'invalid-response', reason: 'batchItemFailures is not a list' };
  }
  if (failures.length === 0) return { type: 'success' };
  let from = sequenceNumbers.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '') {
      return { type: 'invalid-response', reason: `itemIdentifier ${JSON.stringify(id ?? null)} names no record` };
    }
    const at = sequenceNumbers.indexOf(id);
    if (at === -1) return { type: 'invalid-response', reason: `itemIdentifier '${id}' is not a record of the batch` };
    from = Math.min(from, at);
  }
  return { type: 'partial', from, reason: `${failures.length} of ${sequenceNumbers.length} records reported failed` };
}
