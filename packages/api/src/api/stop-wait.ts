/**
 * The hold of recent-stops.ts: a restart's start waits until its stop shows in the unit's published states.
 * Watched, not polled, so the start goes out as soon as the stop shows (a few ms on an agent that acts at once).
 */
import type { Subscription, UnitStateRecord, UnitStateView } from '@flotilla/core';
import { HOLD_MAX_MS, stopTookEffect } from './recent-stops.js';

/** Resolves when no machine runs the unit, or after `maxMs`; never throws (the hold is a courtesy, not a check). */
export async function untilStopped(registry: Pick<UnitStateView, 'getStates' | 'watchStates'>, name: string, maxMs = HOLD_MAX_MS): Promise<void> {
  const byMachine = new Map<string, UnitStateRecord>();
  const watched = new Set<string>();
  let wake = () => {};
  let sub: Subscription | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The usual case (fleetctl looked for 250 ms, our CLI waited for the stop): one read, no watch.
    if (stopTookEffect(await registry.getStates(name))) return;
    // The watch opens before the second read, and that (older) read never overwrites what the watch reported.
    sub = await registry.watchStates(name, (event) => {
      watched.add(event.key);
      if (event.type === 'put') byMachine.set(event.key, event.value);
      else byMachine.delete(event.key);
      wake();
    });
    for (const s of await registry.getStates(name)) if (!watched.has(s.machineId)) byMachine.set(s.machineId, s);
    const deadline = Date.now() + maxMs;
    while (!stopTookEffect([...byMachine.values()]) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, deadline - Date.now());
      });
      clearTimeout(timer);
    }
  } catch {
    // The registry failed: let the PUT go ahead and meet the same failure, or succeed, as it would without a hold.
  } finally {
    clearTimeout(timer);
    await sub?.close().catch(() => undefined);
  }
}
