/**
 * Asks the engine again soon about a container whose last answer is not settled (state-extras.ts `settled`: the
 * container not running yet while systemd says active, or its `HealthCmd=` still `starting`). The engine's changes
 * come with no systemd signal, so without this they were read on the next reconcile pass (5 s): a container's
 * `healthy`, which its endpoint waits for (docs/discovery.md, "Only ready instances") and `compose up`'s
 * `service_healthy` too, came up to 5 s late. One follow-up per unit at a time, every `delayMs`, at most
 * `maxFollowUps` per unit and hash (a check that never leaves `starting` is then left to the reconcile pass).
 */
export const FOLLOW_UP_MS = 1000;
export const MAX_FOLLOW_UPS = 60;

interface Pending {
  hash: string;
  count: number;
  timer: NodeJS.Timeout | undefined;
}

export class EngineFollowUp {
  private readonly units = new Map<string, Pending>();
  private closed = false;

  constructor(
    private readonly deps: {
      isManaged: (unit: string) => boolean;
      /** Reads the unit's state (and so asks the engine) again. */
      republish: (unit: string) => Promise<void>;
      delayMs?: number;
      maxFollowUps?: number;
    },
  ) {}

  /** The engine's answer for `unit` at `hash` was just read: settled, or to be asked again soon. */
  note(unit: string, hash: string, settled: boolean): void {
    const held = this.units.get(unit);
    if (settled || this.closed) {
      if (held !== undefined) this.drop(unit, held);
      return;
    }
    const pending = held !== undefined && held.hash === hash ? held : { hash, count: 0, timer: undefined };
    if (held !== undefined && held !== pending) clearTimeout(held.timer);
    this.units.set(unit, pending);
    if (pending.timer !== undefined || pending.count >= (this.deps.maxFollowUps ?? MAX_FOLLOW_UPS)) return;
    pending.count++;
    pending.timer = setTimeout(() => {
      pending.timer = undefined;
      if (this.closed) return;
      if (!this.deps.isManaged(unit)) return this.drop(unit, pending);
      void this.deps.republish(unit).catch(() => undefined);
    }, this.deps.delayMs ?? FOLLOW_UP_MS);
    pending.timer.unref();
  }

  close(): void {
    this.closed = true;
    for (const [unit, pending] of [...this.units]) this.drop(unit, pending);
  }

  private drop(unit: string, pending: Pending): void {
    clearTimeout(pending.timer);
    if (this.units.get(unit) === pending) this.units.delete(unit);
  }
}
