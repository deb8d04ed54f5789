/**
 * Waits for a condition, never for a fixed time: resolves with the probe's first truthy value.
 * The limit only guards against a hang (this machine is often busy), so it is generous.
 */
export async function waitUntil<T>(
  probe: () => T | Promise<T>,
  what: string | (() => string),
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) {
      throw new Error(`waited ${timeoutMs / 1000} s for ${typeof what === 'function' ? what() : what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
