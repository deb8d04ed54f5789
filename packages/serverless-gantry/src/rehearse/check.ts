/** One line of a rehearsal's report: what was checked, whether it holds, and what was found if not. */
export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
  /** Not a check: something the rehearsal could not do, said so (a consumer with no message to run on). */
  note?: true;
}

export const pass = (name: string): Check => ({ name, ok: true });
export const fail = (name: string, detail: string): Check => ({ name, ok: false, detail });
export const note = (name: string): Check => ({ name, ok: true, note: true });
export const expectEqual = (name: string, actual: unknown, expected: unknown): Check =>
  canonical(actual) === canonical(expected)
    ? pass(name)
    : fail(name, `expected ${canonical(expected)}, found ${canonical(actual)}`);

/** JSON with object keys sorted, so two documents compare by content. */
export function canonical(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item) =>
      item && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b)))
        : item,
    ) ?? 'undefined'
  );
}

/** A check whose probe threw: the error's name and message become its detail. */
export async function probe(name: string, run: () => Promise<Check | Check[]>): Promise<Check[]> {
  try {
    const result = await run();
    return Array.isArray(result) ? result : [result];
  } catch (error) {
    const e = error as Error;
    return [fail(name, `${e.name}: ${e.message}`)];
  }
}
