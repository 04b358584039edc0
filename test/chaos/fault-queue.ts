/**
 * Starts the scheduled faults in order, each after its planned gap and once its targets are free (I/O, bounded):
 * a machine takes one fault at a time, at most half the machines are impaired at once, one etcd member is down
 * at a time, one CLI burst and one leader freeze run at a time. The plan (schedule.ts) keeps to the same rules
 * in planned time; here they hold in real time too, when a fault took longer than planned.
 */
import { sleep } from '@flotilla/core';
import type { FaultContext } from './injectors.js';
import { leaderSlot } from './injectors.js';
import type { FaultEvent } from './schedule.js';

/** A fault whose targets are still busy after this long is skipped (every fault is bounded well below it). */
const WAIT_FOR_TARGETS_MS = 180_000;
const LEADER_LOOKUP_MS = 10_000;

type Resource = 'etcd' | 'cli' | 'freeze';

export class FaultQueue {
  private readonly running = new Set<Promise<void>>();
  private readonly busySlots = new Set<number>();
  private readonly busy = new Set<Resource>();
  private lastStart = Date.now();
  private readonly maxImpaired: number;

  constructor(
    private readonly ctx: FaultContext,
    private readonly run: (ev: FaultEvent, ctx: FaultContext) => Promise<void>,
    private readonly onError: (ev: FaultEvent, err: unknown) => void,
  ) {
    this.maxImpaired = Math.max(1, Math.floor(ctx.cluster.slots.length / 2));
  }

  /** Waits for the event's turn and starts it; returns once it started (it runs on in the background). */
  async start(planned: FaultEvent): Promise<void> {
    await sleep(this.lastStart + planned.gapMs - Date.now());
    const ev = planned.kind === 'freeze-leader' ? await this.withLeader(planned) : planned.kind === 'restart-dockerd' ? this.withContainer(planned) : planned;
    if (!ev) return;
    const waitedFrom = Date.now();
    if (!(await this.waitFree(ev))) {
      this.ctx.log(`#${ev.index} ${ev.kind} skipped: its targets were still busy after ${WAIT_FOR_TARGETS_MS / 1000} s`);
      return;
    }
    if (Date.now() - waitedFrom > 1000) this.ctx.log(`#${ev.index} waited ${((Date.now() - waitedFrom) / 1000).toFixed(1)} s for its targets`);
    this.lastStart = Date.now();
    this.take(ev, true);
    this.ctx.log(describeEvent(ev, this.ctx));
    const startedAt = Date.now();
    const task: Promise<void> = this.run(ev, this.ctx)
      .then(() => this.ctx.log(`#${ev.index} ${ev.kind} over after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`))
      .catch((err: unknown) => {
        this.ctx.log(`#${ev.index} ${ev.kind} FAILED: ${(err as Error).message}`);
        this.onError(ev, err);
      })
      .finally(() => {
        this.take(ev, false);
        this.running.delete(task);
      });
    this.running.add(task);
  }

  /** Resolves once every started fault has ended (and been undone). */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
  }

  /** The freeze aimed at the machine leading now; undefined (logged) when none leads or it stays busy. */
  private async withLeader(ev: FaultEvent): Promise<FaultEvent | undefined> {
    const until = Date.now() + LEADER_LOOKUP_MS;
    while (Date.now() < until) {
      const slot = await leaderSlot(this.ctx);
      if (slot !== undefined && !this.busySlots.has(slot)) return { ...ev, slots: [slot] };
      await sleep(250);
    }
    this.ctx.log(`#${ev.index} freeze-leader skipped: no leader on a machine free of other faults for ${LEADER_LOOKUP_MS / 1000} s`);
    return undefined;
  }

  /**
   * The dockerd restart aimed at the machine the container runs on now, so that it stops the container; the
   * planned engine machine when the container runs nowhere or there is busy.
   */
  private withContainer(ev: FaultEvent): FaultEvent {
    const slot = this.ctx.containerSlot();
    return slot !== undefined && !this.busySlots.has(slot) ? { ...ev, slots: [slot] } : ev;
  }

  private async waitFree(ev: FaultEvent): Promise<boolean> {
    const until = Date.now() + WAIT_FOR_TARGETS_MS;
    while (!this.free(ev)) {
      if (Date.now() > until || this.ctx.signal.aborted) return false;
      await sleep(100);
    }
    return true;
  }

  private free(ev: FaultEvent): boolean {
    const resource = resourceOf(ev);
    if (resource && this.busy.has(resource)) return false;
    if (ev.slots.some((s) => this.busySlots.has(s))) return false;
    const impairs = ev.kind !== 'cli-burst' && ev.kind !== 'etcd-member' ? ev.slots.length : 0;
    return impairs === 0 || this.busySlots.size + impairs <= this.maxImpaired;
  }

  private take(ev: FaultEvent, busy: boolean): void {
    const resource = resourceOf(ev);
    if (busy) {
      if (resource) this.busy.add(resource);
      for (const s of ev.slots) this.busySlots.add(s);
      return;
    }
    if (resource) this.busy.delete(resource);
    for (const s of ev.slots) this.busySlots.delete(s);
  }
}

function resourceOf(ev: FaultEvent): Resource | undefined {
  return ev.kind === 'etcd-member' ? 'etcd' : ev.kind === 'cli-burst' ? 'cli' : ev.kind === 'freeze-leader' ? 'freeze' : undefined;
}

/** `#7 partition cx1a-m2, cx1a-m4 for 14.2 s`: the event as the log shows it. */
export function describeEvent(ev: FaultEvent, ctx: Pick<FaultContext, 'cluster'>): string {
  const machines = ev.slots.map((s) => ctx.cluster.slots[s]?.name ?? `slot ${s}`).join(', ');
  const target = ev.kind === 'etcd-member' ? `member ${ctx.cluster.etcd.members[ev.member!]?.name}` : ev.kind === 'cli-burst' ? ev.burst!.map((b) => `${b.op} ${b.unit}`).join(', ') : machines;
  const extra = ev.lossPercent !== undefined ? ` (${ev.lossPercent}% loss)` : ev.rateKbit !== undefined ? ` (${ev.rateKbit} kbit/s)` : '';
  const lasting = ev.durationMs > 0 ? ` for ${(ev.durationMs / 1000).toFixed(1)} s` : '';
  return `#${ev.index} ${ev.kind} ${target}${extra}${lasting}`;
}
