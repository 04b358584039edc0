/**
 * Applies the daemon's event-log retention (FLOTILLA_EVENT_RETENTION_*) to every writer of the cluster event
 * log in this process — the scheduler's per-pass entries and the agent's unit-failed entries — without each
 * writer knowing about it: appends that pass no retention of their own get the configured one. Everything
 * else goes to the registry untouched.
 */
import type { ClusterEventLog, EventRetention } from '@flotilla/core';

export function withEventRetention<R extends ClusterEventLog>(registry: R, retention: EventRetention | undefined): R {
  if (retention === undefined) return registry;
  const appendEvent: ClusterEventLog['appendEvent'] = (event, own) => registry.appendEvent(event, own ?? retention);
  const appendEvents: ClusterEventLog['appendEvents'] = (list, own) => registry.appendEvents(list, own ?? retention);
  return new Proxy(registry, {
    get(target, prop) {
      if (prop === 'appendEvent') return appendEvent;
      if (prop === 'appendEvents') return appendEvents;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
