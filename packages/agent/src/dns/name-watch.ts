/**
 * Keeps the name table current: watches `agent-endpoints/` and, on any change, re-reads the endpoints and rebuilds
 * the table (changes that come while a read runs are coalesced into one more). A failed read or watch is retried
 * with a back-off (1 s doubling to the resync interval), and the table is rebuilt every resync interval anyway, so a
 * missed event is repaired. While etcd is away the last table keeps being served (stale rather than empty).
 */
import { backoffDelay, type EndpointRegistry, type Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { buildNameTable, EMPTY_TABLE, type NameTable } from './name-table.js';

export const DEFAULT_RESYNC_MS = 30_000;
const RETRY_MS = 1_000;

export interface NameWatchOptions {
  registry: Pick<EndpointRegistry, 'listEndpoints' | 'watchEndpoints'>;
  logger: Logger;
  resyncMs?: number;
  /** Called after each rebuild that changed the table (tests, logs). */
  onChange?: (table: NameTable) => void;
}

export class NameWatch {
  private table: NameTable = EMPTY_TABLE;
  private tableKey = '';
  private watch: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private pending = false;
  private stopped = false;
  private failures = 0;

  constructor(private readonly opts: NameWatchOptions) {}

  current(): NameTable {
    return this.table;
  }

  /** Starts watching; never throws (etcd away is retried). Resolves after the first attempt. */
  start(): Promise<void> {
    this.schedule();
    return this.pass;
  }

  /** Resolves after the pass under way (tests). */
  settled(): Promise<void> {
    return this.pass;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.pass;
    await this.watch?.close();
  }

  private readonly schedule = (): void => {
    if (this.pending || this.stopped) return;
    this.pending = true;
    this.pass = this.pass.then(() => this.runPass());
  };

  private async runPass(): Promise<void> {
    this.pending = false;
    if (this.stopped) return;
    const resyncMs = this.opts.resyncMs ?? DEFAULT_RESYNC_MS;
    try {
      // The watch first: an endpoint changed between the read and the watch would otherwise be missed.
      this.watch ??= await this.opts.registry.watchEndpoints(this.schedule);
      this.apply(buildNameTable(await this.opts.registry.listEndpoints()));
      this.failures = 0;
      this.arm(resyncMs);
    } catch (err) {
      const delay = backoffDelay(this.failures++, { baseMs: Math.min(RETRY_MS, resyncMs), maxMs: resyncMs });
      this.opts.logger.warn({ err, retryInMs: delay }, 'reading endpoints for dns failed; serving the last names');
      this.arm(delay);
    }
  }

  private apply(table: NameTable): void {
    const key = JSON.stringify([[...table.addresses], [...table.parents]]);
    if (key === this.tableKey) return;
    this.table = table;
    this.tableKey = key;
    this.opts.logger.debug({ names: table.addresses.size }, 'dns names changed');
    this.opts.onChange?.(table);
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    this.timer = setTimeout(this.schedule, ms);
    this.timer.unref();
  }
}
