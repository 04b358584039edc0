/**
 * What `/metrics` serves beyond the health report's gauges (docs/ops.md, "Metrics"): placement latency from a
 * watch of the schedule, leader changes from the election, etcd request errors of the whole process, and the
 * stored services' counts read at scrape time. The watches start at the first scrape, or at agent start
 * (`start`), and are retried at the next scrape when they fail.
 */
import type { ServerResponse } from 'node:http';
import type { ServiceCatalog, Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { serviceJson } from '../api/service-view.js';
import type { OpsRegistry } from '../health/source.js';
import { onEtcdRequestError } from './etcd-errors.js';
import { followLeader } from './leader-watch.js';
import { OpsMetrics } from './ops-metrics.js';
import { watchPlacements } from './placement-watch.js';

export type MetricsRegistry = OpsRegistry & Pick<ServiceCatalog, 'listServices'>;

export class MetricsFeed {
  readonly metrics = new OpsMetrics();
  private placements: Promise<Subscription> | undefined;
  private leader: Promise<Subscription | undefined> | undefined;
  private readonly stopErrorCount: () => void;

  constructor(
    private readonly registry: MetricsRegistry,
    private readonly logger: Logger,
  ) {
    this.stopErrorCount = onEtcdRequestError((err) => this.metrics.recordEtcdError(err));
  }

  /** Starts the placement-latency and leader-change metrics now instead of at the first scrape. */
  start(): void {
    this.startPlacements().catch((err: unknown) => this.logger.warn({ err }, 'placement watch failed; retried at the next scrape'));
    this.startLeaderWatch();
  }

  /** Writes the exposition; `pending` (the health report being read) is awaited first, as its gauges are in it. */
  async serve(res: ServerResponse, pending: Promise<unknown>): Promise<void> {
    // A failed read is counted and the rest is still served.
    await Promise.allSettled([pending, this.startPlacements(), this.recordServices()]);
    const text = await this.metrics.render();
    res.writeHead(200, { 'Content-Type': this.metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
    res.end(text);
  }

  async close(): Promise<void> {
    this.stopErrorCount();
    await this.placements?.then((s) => s.close()).catch(() => undefined);
    await this.leader?.then((s) => s?.close());
  }

  private startPlacements(): Promise<Subscription> {
    this.placements ??= watchPlacements(this.registry, (ms) => this.metrics.observePlacement(ms), this.logger).catch((err: unknown) => {
      this.placements = undefined;
      this.metrics.recordEtcdError(err);
      throw err;
    });
    return this.placements;
  }

  private startLeaderWatch(): void {
    const onReadError = (err: unknown) => this.metrics.recordEtcdError(err);
    const onLeader = (l: Parameters<OpsMetrics['recordLeader']>[0]) => this.metrics.recordLeader(l);
    this.leader ??= followLeader({ registry: this.registry, onLeader, onReadError, logger: this.logger }).catch((err: unknown) => {
      this.leader = undefined; // the next scrape's report still counts changes; start() may be called again
      onReadError(err);
      this.logger.warn({ err }, 'leader watch failed');
      return undefined;
    });
  }

  /** Services' desired and running counts. */
  private async recordServices(): Promise<void> {
    try {
      const [services, states] = await Promise.all([this.registry.listServices(), this.registry.listStates()]);
      const active = new Set(states.filter((s) => s.activeState === 'active').map((s) => s.unit));
      this.metrics.recordServices(services.map((s) => serviceJson(s, active)));
    } catch (err) {
      this.metrics.recordEtcdError(err);
    }
  }
}
