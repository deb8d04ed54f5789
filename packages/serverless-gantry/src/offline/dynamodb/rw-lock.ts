/**
 * A readers–writer lock for the local endpoint: ordinary calls share it, a transaction holds it
 * alone, so no call sees a transaction half done (DynamoDB's transactions are isolated).
 */
export function createRwLock() {
  let readers = 0;
  let writing = false;
  const waiting: { exclusive: boolean; grant: () => void }[] = [];

  const pump = () => {
    while (waiting.length > 0) {
      const next = waiting[0] as (typeof waiting)[number];
      if (next.exclusive ? writing || readers > 0 : writing) return;
      waiting.shift();
      if (next.exclusive) writing = true;
      else readers++;
      next.grant();
      if (next.exclusive) return;
    }
  };

  const acquire = (exclusive: boolean) =>
    new Promise<() => void>((resolve) => {
      waiting.push({
        exclusive,
        grant: () =>
          resolve(() => {
            if (exclusive) writing = false;
            else readers--;
            pump();
          }),
      });
      pump();
    });

  /** Runs `work` holding the lock, shared or exclusive. */
  return async function withLock<T>(exclusive: boolean, work: () => Promise<T>): Promise<T> {
    const release = await acquire(exclusive);
    try {
      return await work();
    } finally {
      release();
    }
  };
}
