/**
 * Reports every failed registry call of the daemon (agent, scheduler, API) to `report` — the ops metrics'
 * `flotilla_etcd_request_errors_total` (docs/ops.md) — without touching any caller: each method returning a
 * promise gets its rejection reported and passed on unchanged. Watch callbacks are not calls and not counted.
 */
export function withRequestErrorReports<R extends object>(registry: R, report: (err: unknown) => void): R {
  const wrapped = new Map<PropertyKey, unknown>();
  return new Proxy(registry, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (!wrapped.has(prop)) wrapped.set(prop, reporting(value as (...a: unknown[]) => unknown, target, report));
      return wrapped.get(prop);
    },
  });
}

function reporting(fn: (...a: unknown[]) => unknown, self: object, report: (err: unknown) => void): (...a: unknown[]) => unknown {
  return (...args) => {
    const result = fn.apply(self, args);
    if (!(result instanceof Promise)) return result;
    return result.catch((err: unknown) => {
      report(err);
      throw err;
    });
  };
}
