/**
 * Publishes each managed unit's systemd state (LoadState/ActiveState/SubState + registry hash) under the
 * machine's lease and its registry name, only when it changed. A refused unit is published as
 * `refused`/`inactive`/`foreign-unit`. Driven by events, not a poll: systemd signals (via `notify`), a re-read after
 * each executed task and one at the end of every reconcile pass (`refresh`). Flushes are serialised, and each
 * reads systemd afresh, so a slow older read can never overwrite a newer state.
 */
import type { ClusterRegistry, PresenceLease, SystemdUnitState, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import type { EndpointSink } from './endpoints/endpoint-publisher.js';
import { FailureLog } from './health/failure-log.js';
import type { ManagedUnit, ManagedUnits } from './managed-units.js';
import type { SystemdManager } from './systemd/manager.js';

/** The state published for a unit the agent refuses to run (someone else's unit has its systemd name). */
export const REFUSED_STATE: SystemdUnitState = { loadState: 'refused', activeState: 'inactive', subState: 'foreign-unit' };

export interface StatePublisherOptions {
  registry: ClusterRegistry;
  machineId: string;
  logger: Logger;
  systemd: () => SystemdManager;
  lease: () => PresenceLease | undefined;
  /** The units to publish (loaded by the agent or refused). */
  managed: ManagedUnits;
  /** Signals come in bursts (a start changes several properties): wait this long to read once. Default 25 ms. */
  debounceMs?: number;
  /** Told every published state and every removal (issue 10: endpoints of active units). */
  endpoints?: EndpointSink;
  /** Container state and health-check result of a unit (issue 8), read with its systemd state. */
  extras?: (m: ManagedUnit, state: SystemdUnitState) => Promise<StateExtras>;
}

/** What issue 8 adds to a published state; absent fields are not published. */
export type StateExtras = Pick<UnitStateRecord, 'container' | 'health'>;

export class StatePublisher {
  /** unit → fingerprint of what we last published successfully. */
  private readonly published = new Map<string, string>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Logs `unit-failed` to the cluster event log (issue 9). */
  private readonly failures: FailureLog;

  constructor(private readonly opts: StatePublisherOptions) {
    this.failures = new FailureLog(opts.registry, opts.logger);
  }

  /** A systemd signal about the systemd unit `systemdName`; units we do not manage are none of our business. */
  notify(systemdName: string): void {
    const unit = this.opts.managed.ofSystemdName(systemdName)?.unit;
    if (this.closed || unit === undefined) return;
    this.dirty.add(unit);
    this.timer ??= setTimeout(() => void this.flush(), this.opts.debounceMs ?? 25);
  }

  /** Re-reads and publishes what changed for registry `units` (default: every managed or published unit). */
  refresh(units?: Iterable<string>): Promise<void> {
    const all = () => [...[...this.opts.managed.units()].map((m) => m.unit), ...this.published.keys()];
    for (const unit of units ?? all()) this.dirty.add(unit);
    return this.flush();
  }

  /** A new lease holds none of the old states: publish everything again under it. */
  leaseRenewed(): Promise<void> {
    this.published.clear();
    this.opts.endpoints?.reset();
    return this.refresh();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    // Failures are handled per unit inside; this catch only keeps one unexpected bug from jamming the chain.
    this.chain = this.chain
      .then(() => this.flushOnce())
      .catch((err: unknown) => this.opts.logger.error({ err }, 'state publishing failed'));
    return this.chain;
  }

  private async flushOnce(): Promise<void> {
    if (this.closed || this.dirty.size === 0) return;
    const names = [...this.dirty].sort();
    this.dirty.clear();
    const { managed } = this.opts;
    await this.removeGone(names.filter((n) => !managed.has(n) && this.published.has(n)));
    await this.publishLive(names.flatMap((n) => managed.get(n) ?? []));
  }

  private async removeGone(units: string[]): Promise<void> {
    await Promise.all(
      units.map(async (unit) => {
        try {
          await this.opts.registry.removeState(unit, this.opts.machineId);
          this.published.delete(unit);
          this.opts.endpoints?.gone(unit);
          this.opts.logger.debug({ unit }, 'unit state removed');
        } catch (err) {
          this.retryLater(unit, err, 'removing unit state failed');
        }
      }),
    );
  }

  private async publishLive(units: ManagedUnit[]): Promise<void> {
    const lease = this.opts.lease();
    if (units.length === 0) return;
    if (lease === undefined) return void units.forEach((m) => this.dirty.add(m.unit)); // leaseRenewed() publishes them
    let states: Map<string, SystemdUnitState>;
    try {
      const running = units.filter((m) => m.refused === undefined).map((m) => m.systemdName);
      states = running.length === 0 ? new Map() : await this.opts.systemd().unitStates(running);
    } catch (err) {
      return units.forEach((m) => this.retryLater(m.unit, err, 'reading unit states failed'));
    }
    await Promise.all(
      units.map((m) => this.publishOne(m.unit, m.hash, m.refused === undefined ? states.get(m.systemdName) : REFUSED_STATE, lease)),
    );
  }

  private async publishOne(unit: string, hash: string, state: SystemdUnitState | undefined, lease: PresenceLease): Promise<void> {
    if (state === undefined) return;
    const { loadState, activeState, subState } = state;
    const extras = await this.extrasOf(unit, state);
    const fingerprint = JSON.stringify([loadState, activeState, subState, hash, extras.container, extras.health && { ...extras.health, checkedAt: 0 }]);
    if (this.published.get(unit) === fingerprint) return;
    const record = await this.withRuntime({ unit, machineId: this.opts.machineId, hash, loadState, activeState, subState, updatedAt: Date.now(), ...extras }, state);
    try {
      await this.opts.registry.publishState(record, lease);
      this.published.set(unit, fingerprint);
      this.failures.observe(record);
      this.opts.endpoints?.observe(record);
      this.opts.logger.debug({ unit, loadState, activeState, subState }, 'unit state published');
    } catch (err) {
      this.retryLater(unit, err, 'publishing unit state failed');
    }
  }

  /**
   * Adds restarts and since-when (issue 9), read from the unit object only when its state changed (no polling).
   * Best effort: without them the state is still published.
   */
  private async withRuntime(record: UnitStateRecord, state: SystemdUnitState): Promise<UnitStateRecord> {
    const systemdName = this.opts.managed.get(record.unit)?.systemdName;
    if (state === REFUSED_STATE || systemdName === undefined || state.loadState !== 'loaded') return record;
    try {
      const runtime = (await this.opts.systemd().unitRuntimes([systemdName])).get(systemdName);
      return { ...record, ...runtime };
    } catch (err) {
      this.opts.logger.debug({ unit: record.unit, err }, 'reading restarts/since failed; published without');
      return record;
    }
  }

  /** Container state and health (issue 8); best effort like withRuntime: a failure publishes without them. */
  private async extrasOf(unit: string, state: SystemdUnitState): Promise<StateExtras> {
    const m = this.opts.managed.get(unit);
    if (this.opts.extras === undefined || m === undefined || state === REFUSED_STATE) return {};
    try {
      return await this.opts.extras(m, state);
    } catch (err) {
      this.opts.logger.debug({ unit, err }, 'reading container state/health failed; published without');
      return {};
    }
  }

  /** Failed units stay dirty; the next refresh (at the latest the next reconcile pass) tries again. */
  private retryLater(unit: string, err: unknown, msg: string): void {
    this.dirty.add(unit);
    this.opts.logger.warn({ unit, err }, msg);
  }
}
