import { queue } from '@gantry/decorators';
import * as v from 'valibot';

/**
 * Work that should not hold up a request: "clear completed" answers 202 at once and the consumer
 * deletes the list's done tasks. A message that keeps failing moves to `clear-done-dlq` after 5 tries.
 */
export const ClearDone = queue('clear-done', {
  message: v.object({ owner: v.string(), listId: v.string() }),
  deadLetter: { maxReceiveCount: 5 },
});
