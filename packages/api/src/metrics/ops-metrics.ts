/**
 * The agent's prom-client registry: cluster gauges set from each health report, the leader-change counter,
 * the placement-latency and reconcile-duration histograms, etcd errors of the health reads, and Node's
 * default process metrics. Each agent has its own registry (no global state), so tests can run several.
 */
import type { ClusterLogEvent } from '@flotilla/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthReport } from '../health/types.js';
import { etcdErrorCode } from './etcd-errors.js';
import { MACHINE_STATUS_VALUES, METRICS, PLACEMENT_BUCKETS, RECONCILE_BUCKETS, UNIT_HEALTH_VALUES } from './names.js';

const EVENT_KINDS: readonly ClusterLogEvent['kind'][] = ['placed', 'rescheduled', 'unplaceable', 'unit-failed', 'machine-lost', 'machine-joined', 'deployment'];

const NONCONFORMING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The reconciler times its passes into this one histogram (process-wide; each OpsMetrics registry exposes it). */
export const reconcileDuration = new Histogram({
  name: METRICS.reconcileDuration.name,
  help: METRICS.reconcileDuration.help,
  buckets: RECONCILE_BUCKETS,
  registers: [],
});

export class OpsMetrics {
  readonly registry = new Registry();
  private readonly units = this.gauge(METRICS.units);
  private readonly machines = this.gauge(METRICS.machines);
  private readonly scheduling = this.gauge(METRICS.machineScheduling);
  private readonly leader = this.gauge(METRICS.leader);
  private readonly events = this.gauge(METRICS.eventsLogged);
  private readonly replicas = this.gauge(METRICS.serviceReplicas);
  private readonly leaderChanges = new Counter({ name: METRICS.leaderChanges.name, help: METRICS.leaderChanges.help, registers: [this.registry] });
  private readonly etcdErrors = new Counter({ name: METRICS.etcdErrors.name, help: METRICS.etcdErrors.help, labelNames: ['code'], registers: [this.registry] });
  private readonly placement = new Histogram({
    name: METRICS.placementLatency.name, help: METRICS.placementLatency.help, buckets: PLACEMENT_BUCKETS, registers: [this.registry],
  });
  private lastLeader: string | null | undefined;
  /** A failure reported both by the registry wrapper and by a health read is counted once. */
  private readonly countedErrors = new WeakSet<object>();

  constructor() {
    this.registry.registerMetric(reconcileDuration);
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these gauges `_total`, which Prometheus reserves for counters (promtool rejects them).
    for (const name of NONCONFORMING_DEFAULTS) this.registry.removeSingleMetric(name);
    for (const v of UNIT_HEALTH_VALUES) this.units.set({ health: v }, 0);
    for (const v of MACHINE_STATUS_VALUES) this.machines.set({ status: v }, 0);
  }

  private gauge(spec: { name: string; help: string; labels: readonly string[] }): Gauge {
    return new Gauge({ name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [this.registry] });
  }

  recordReport(report: HealthReport): void {
    for (const v of UNIT_HEALTH_VALUES) this.units.set({ health: v }, report.counts.units[v]);
    for (const v of MACHINE_STATUS_VALUES) this.machines.set({ status: v }, report.counts.machines[v]);
    // Only the current state has a series (not four per machine with three zeros): a cluster of 10,000 machines
    // exports 10,000 series, and `count by (state)` counts machines per state. Machines gone, or in another
    // state now, lose their old series here.
    this.scheduling.reset();
    for (const m of report.machines) if (m.scheduling) this.scheduling.set({ machine: m.id, state: m.scheduling }, 1);
    this.recordLeader(report.leader);
    const byKind = new Map<string, number>(EVENT_KINDS.map((k) => [k, 0]));
    for (const e of report.events) byKind.set(e.kind, (byKind.get(e.kind) ?? 0) + 1);
    for (const [kind, n] of byKind) this.events.set({ kind }, n);
  }

  /** Stored services as read for this scrape: a service removed since loses its series. */
  recordServices(services: readonly { template: string; count: number; running: number }[]): void {
    this.replicas.reset();
    for (const s of services) {
      this.replicas.set({ template: s.template, state: 'desired' }, s.count);
      this.replicas.set({ template: s.template, state: 'running' }, s.running);
    }
  }

  /** The leader as seen by a report or the leader watch; a change from the last one seen is counted once. */
  recordLeader(leader: string | null): void {
    this.leader.set(leader === null ? 0 : 1);
    if (this.lastLeader !== undefined && this.lastLeader !== leader) this.leaderChanges.inc();
    this.lastLeader = leader;
  }

  recordEtcdError(err: unknown): void {
    const code = etcdErrorCode(err);
    if (code === undefined) return;
    if (typeof err === 'object' && err !== null) {
      if (this.countedErrors.has(err)) return;
      this.countedErrors.add(err);
    }
    this.etcdErrors.inc({ code });
  }

  observePlacement(ms: number): void {
    this.placement.observe(ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
