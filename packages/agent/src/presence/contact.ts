/**
 * Whether this agent is cut off from etcd, for units with `[X-Fleet] StopOnLeaseLoss=true`. Only while such a
 * unit is managed here does the agent spend a request on it: one small read of its own assignments every
 * TTL/10; no successful read for TTL/3 (or the lease lost) counts as cut off. The check runs on every tick, also
 * while a probe hangs on a dead connection, so the agent knows within TTL/3 + TTL/10 ≈ 0.43 TTL of the cut —
 * before etcd can expire the lease (the client renews every TTL/3, so expiry comes ≥ 0.67 TTL after the cut)
 * and the scheduler place the unit elsewhere. Agents without such units stay at keepalives only; having read
 * nothing, such an agent counts as cut off, so a unit that opts in later starts only after a probe answered and
 * the confirmation that follows a cut-off (resync.ts): until then its assignment may be one etcd no longer holds.
 */
import type { AgentRegistry } from '@flotilla/core';

export interface ContactMonitorOptions {
  registry: Pick<AgentRegistry, 'assignmentsAt'>;
  machineId: string;
  ttlSec: number;
  /** Whether the presence lease is currently held. */
  leaseHeld: () => boolean;
  /** Whether any managed unit opted in (probing runs only then). */
  needed: () => boolean;
  /** Called when cut-off flips either way. */
  onChange: (cutOff: boolean) => void;
}

export class ContactMonitor {
  private lastContact = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private last = false;
  private inFlight = false;

  constructor(private readonly opts: ContactMonitorOptions) {}

  start(): void {
    const period = Math.max(200, (this.opts.ttlSec * 1000) / 10);
    this.timer = setInterval(() => void this.tick(), period);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** True while no read succeeded for TTL/3, or the lease is not held. */
  get cutOff(): boolean {
    return !this.opts.leaseHeld() || Date.now() - this.lastContact > (this.opts.ttlSec * 1000) / 3;
  }

  private async tick(): Promise<void> {
    // Judge first: a probe hanging on a dead connection must not delay the verdict until its own timeout.
    this.evaluate();
    if (this.inFlight) return;
    this.inFlight = true;
    try {
      await this.probe();
    } finally {
      this.inFlight = false;
    }
    this.evaluate();
  }

  private evaluate(): void {
    const now = this.cutOff;
    if (now !== this.last) {
      this.last = now;
      this.opts.onChange(now);
    }
  }

  /** Only a read that answered counts as contact: while no unit needs the probe, none is made, so the clock runs
   * on (a lease held is no proof: it is judged lost only after 2 × TTL without a keepalive). */
  private async probe(): Promise<void> {
    if (!this.opts.needed()) return;
    try {
      await this.opts.registry.assignmentsAt(this.opts.machineId);
      this.lastContact = Date.now();
    } catch {
      // counted by the clock
    }
  }
}
