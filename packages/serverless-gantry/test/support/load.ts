/** One write of a load test: acknowledged (with the id the server gave or was given) or failed. */
export type WriteOutcome = { acknowledged: string } | { failure: string };

export interface LoadResult {
  acknowledged: string[];
  failures: string[];
}

/**
 * Sends writes on `connections` concurrent loops until `enough` acknowledged writes are in (a count,
 * not a duration: a busy machine takes longer, and the test still means the same). After `enough`,
 * `onEnough` runs once (e.g. to kill the server) and the loops stop at their next answer.
 */
export async function writeConcurrently(options: {
  connections: number;
  enough: number;
  write: (connection: number, i: number) => Promise<WriteOutcome>;
  onEnough?: () => void;
  /** Stop a loop at its first failure (the server is gone). */
  stopOnFailure?: boolean;
}): Promise<LoadResult> {
  const result: LoadResult = { acknowledged: [], failures: [] };
  let reached = false;
  const reach = () => {
    if (reached) return;
    reached = true;
    options.onEnough?.();
  };
  await Promise.all(
    Array.from({ length: options.connections }, async (_, c) => {
      for (let i = 0; !reached; i++) {
        const outcome = await options.write(c, i);
        if ('acknowledged' in outcome) {
          result.acknowledged.push(outcome.acknowledged);
          if (result.acknowledged.length >= options.enough) reach();
        } else {
          result.failures.push(outcome.failure);
          if (options.stopOnFailure) return;
        }
      }
    }),
  );
  return result;
}
