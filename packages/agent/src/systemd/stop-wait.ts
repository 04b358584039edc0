/**
 * Stopping a unit and waiting until systemd says it is down (ActiveState inactive or failed), woken by the
 * unit's own signals (JobRemoved, PropertiesChanged), never by polling, and bounded by a deadline. The agent
 * unloads a unit only after this, so the state it publishes (deactivating) lasts as long as the stop does, and
 * the scheduler's stop-before-start move (which waits for that state to go) never overlaps a slow ExecStop=.
 */
import type { SystemdManager } from './manager.js';

/** Default bound of one wait: the scheduler places a moved unit anyway after 30 s (moveStopTimeoutMs). */
export const DEFAULT_STOP_WAIT_MS = 30_000;

const DOWN_STATES = new Set(['inactive', 'failed']);

/** Pure: whether an ActiveState means the unit has finished stopping. */
export function isDown(activeState: string): boolean {
  return DOWN_STATES.has(activeState);
}

export type StopOutcome = { down: true; activeState: string } | { down: false; activeState: string };

export async function stopAndWait(systemd: SystemdManager, name: string, timeoutMs: number = DEFAULT_STOP_WAIT_MS): Promise<StopOutcome> {
  let signalled = false;
  let wake: (() => void) | undefined;
  const unsubscribe = await systemd.onUnitsChanged((unit) => {
    if (unit !== name) return;
    signalled = true;
    wake?.();
  });
  const deadline = Date.now() + timeoutMs;
  try {
    await systemd.stopUnit(name);
    for (;;) {
      signalled = false;
      const activeState = (await systemd.unitStates([name])).get(name)?.activeState ?? 'inactive';
      if (isDown(activeState)) return { down: true, activeState };
      const left = deadline - Date.now();
      if (left <= 0) return { down: false, activeState };
      // A signal that came while we read is not lost: read again at once.
      if (!signalled) await waitForSignal(left, (resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    unsubscribe();
  }
}

function waitForSignal(timeoutMs: number, register: (resolve: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    register(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
