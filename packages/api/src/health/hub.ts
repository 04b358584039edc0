/**
 * The agent's live health view. Reads on demand (cached for `maxAgeMs`); while anyone listens (dashboard
 * streams, metrics) it follows the registry with one watch on the keyspace root, re-reads after a quiet
 * `debounceMs` (at most `maxDelayMs` after the first change) and on a periodic pass, and tells listeners what
 * changed (health/diff.ts). Events only wake it; the periodic pass catches anything a watch missed.
 */
import type { Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { diffHealth, isEmptyDelta, type HealthDelta } from './diff.js';
import { buildHealth } from './model.js';
import { readHealthInput, type OpsRegistry } from './source.js';
import type { HealthReport } from './types.js';

export interface HealthHubOptions {
  registry: OpsRegistry;
  logger: Logger;
  now?: () => number;
  maxAgeMs?: number;
  debounceMs?: number;
  maxDelayMs?: number;
  periodMs?: number;
  /** Called with each fresh report (metrics), and with read failures. */
  onReport?: (report: HealthReport) => void;
  onReadError?: (err: unknown) => void;
}

export type HealthListener = (delta: HealthDelta) => void;

export class HealthHub {
  private latest: { report: HealthReport; at: number } | undefined;
  private reading: Promise<HealthReport> | undefined;
  private readonly listeners = new Set<HealthListener>();
  private watch: Promise<Subscription> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private firstChangeAt: number | undefined;
  private periodic: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: HealthHubOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The newest report, re-read when older than maxAgeMs (default 1 s) and no watch keeps it current. */
  async current(): Promise<HealthReport> {
    const fresh = this.latest && (this.watch || this.now() - this.latest.at < (this.opts.maxAgeMs ?? 1000));
    return fresh && this.latest ? this.latest.report : this.refresh();
  }

  /** Starts following the registry on the first listener; returns the unsubscribe function. */
  subscribe(listener: HealthListener): () => void {
    this.listeners.add(listener);
    if (!this.watch) this.follow();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) void this.unfollow();
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.unfollow();
  }

  /** One read at a time: concurrent callers share it. */
  refresh(): Promise<HealthReport> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<HealthReport> {
    let report: HealthReport;
    try {
      report = buildHealth(await readHealthInput(this.opts.registry, this.now));
    } catch (err) {
      this.opts.onReadError?.(err);
      throw err;
    }
    const previous = this.latest?.report;
    this.latest = { report, at: this.now() };
    this.opts.onReport?.(report);
    if (previous && this.listeners.size > 0) {
      const delta = diffHealth(previous, report);
      if (!isEmptyDelta(delta) || previous.status !== report.status || previous.leader !== report.leader) for (const l of this.listeners) l(delta);
    }
    return report;
  }

  private follow(): void {
    this.watch = this.opts.registry.watchHealthChanges(() => this.changed());
    this.watch.catch((err: unknown) => {
      this.opts.logger.warn({ err }, 'health watch failed; relying on the periodic pass');
    });
    this.periodic = setInterval(() => this.changed(true), this.opts.periodMs ?? 10_000);
    this.periodic.unref();
  }

  private async unfollow(): Promise<void> {
    clearInterval(this.periodic);
    clearTimeout(this.timer);
    this.timer = undefined;
    this.firstChangeAt = undefined;
    const watch = this.watch;
    this.watch = undefined;
    await watch?.then((s) => s.close()).catch(() => undefined);
  }

  /** Debounced: a burst of writes (a 10,000-unit submit) becomes a few re-reads, not 10,000. */
  private changed(now = false): void {
    const t = this.now();
    this.firstChangeAt ??= t;
    clearTimeout(this.timer);
    const wait = now ? 0 : Math.min(this.opts.debounceMs ?? 200, Math.max(0, this.firstChangeAt + (this.opts.maxDelayMs ?? 1000) - t));
    this.timer = setTimeout(() => {
      this.firstChangeAt = undefined;
      // A read already running may have started before this change: read again after it.
      const after = this.reading?.catch(() => undefined) ?? Promise.resolve();
      after.then(() => this.refresh()).catch((err: unknown) => this.opts.logger.warn({ err }, 'health re-read failed'));
    }, wait);
    this.timer.unref();
  }
}
