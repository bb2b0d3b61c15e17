/**
 * Runs `work` on every item, at most `concurrency` at once, in order of the items. After a failure no new
 * item starts, and the call rejects with the first failure once the items in flight have ended: nothing goes
 * on behind the caller's back (a redelivered message would race writes left running).
 */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (!failure && next < items.length) {
        const item = items[next++] as T;
        try {
          await work(item);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
}
