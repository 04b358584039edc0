/**
 * Bounded concurrency for per-unit registry calls: a verb naming 300 units pays a few round trips, not 300 in a
 * row, while etcd (or the API) sees at most `limit` requests of this CLI at once. Results keep the input order,
 * so output stays in argument order; the first failure rejects (calls already started still finish).
 */

/** How many per-unit calls a verb keeps in flight. */
export const UNIT_CALLS_IN_FLIGHT = 16;

export async function mapInParallel<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
