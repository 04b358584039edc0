/**
 * Publishes each managed unit's systemd state (LoadState/ActiveState/SubState + registry hash) under the
 * machine's lease and its registry name, only when it changed. A refused unit is published as
 * `refused`/`inactive`/`foreign-unit`. Driven by events, not a poll: systemd signals (via `notify`), a re-read after
 * each executed task and one at the end of every reconcile pass (`refresh`). Flushes are serialised, and each
 * reads systemd afresh, so a slow older read can never overwrite a newer state.
 */
import type { AgentRegistry, ClusterEventLog, PresenceLease, SystemdUnitState, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import type { EndpointSink } from './endpoints/endpoint-publisher.js';
import { FailureLog } from './failure-log.js';
import type { ManagedUnit, ManagedUnits } from './managed-units.js';
import type { SystemdManager } from './systemd/manager.js';
import type { UnitRuntime } from './systemd/runtime.js';

/** The state published for a unit the agent refuses to run (someone else's unit has its systemd name). */
export const REFUSED_STATE: SystemdUnitState = { loadState: 'refused', activeState: 'inactive', subState: 'foreign-unit' };

export interface StatePublisherOptions {
  registry: Pick<AgentRegistry, 'publishStates' | 'removeState'> & Pick<ClusterEventLog, 'appendEvent'>;
  machineId: string;
  logger: Logger;
  systemd: () => SystemdManager;
  lease: () => PresenceLease | undefined;
  /** The units to publish (loaded by the agent or refused). */
  managed: ManagedUnits;
  /** Signals come in bursts (a start changes several properties): wait this long to read once. Default 25 ms. */
  debounceMs?: number;
  /** Told every published state and every removal (the endpoints of active units: docs/agent.md, "Endpoints"). */
  endpoints?: EndpointSink;
  /** Container state and health-check result of a unit, read with its systemd state; a plain value
   * when known at once (a unit without checks), so an unchanged unit costs no promise. */
  extras?: (m: ManagedUnit, state: SystemdUnitState) => StateExtras | Promise<StateExtras>;
}

/**
 * States the caller read from systemd itself, with the publisher's `epoch()` taken before that read: used by a
 * refresh only while the epoch is unchanged (no signal arrived and no flush read systemd since), so they are never
 * older than anything published or signalled; otherwise the refresh reads systemd afresh.
 */
export interface PreRead {
  epoch: number;
  states: ReadonlyMap<string, SystemdUnitState>;
}

/** A container's engine state and a health-check result, added to a published state; absent fields are left out. */
export type StateExtras = Pick<UnitStateRecord, 'container' | 'health'>;

const NO_EXTRAS: StateExtras = Object.freeze({});

/** What a published state is compared by (a health result's check time alone is no change). */
function fingerprintOf({ loadState, activeState, subState }: SystemdUnitState, hash: string, extras: StateExtras): string {
  return JSON.stringify([loadState, activeState, subState, hash, extras.container, extras.health && { ...extras.health, checkedAt: 0 }]);
}

export class StatePublisher {
  /** unit → fingerprint of what we last published successfully. */
  private readonly published = new Map<string, string>();
  /** unit → restarts/since read when it entered `activeState` (runtimesOf). */
  private readonly runtimes = new Map<string, { activeState: string; runtime: UnitRuntime }>();
  private readonly dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Bumped by every signal and every read of systemd (see PreRead). */
  private epochs = 0;
  /** States handed to the next flush (refresh with PreRead). */
  private preRead: PreRead | undefined;
  /** Logs `unit-failed` to the cluster event log (docs/ops.md). */
  private readonly failures: FailureLog;

  constructor(private readonly opts: StatePublisherOptions) {
    this.failures = new FailureLog(opts.registry, opts.logger);
  }

  /** A systemd signal about the systemd unit `systemdName`; units we do not manage are none of our business. */
  notify(systemdName: string): void {
    const unit = this.opts.managed.ofSystemdName(systemdName)?.unit;
    if (this.closed || unit === undefined) return;
    this.epochs++;
    this.dirty.add(unit);
    this.timer ??= setTimeout(() => void this.flush(), this.opts.debounceMs ?? 25);
  }

  /** Take before reading systemd for a refresh's PreRead. */
  epoch(): number {
    return this.epochs;
  }

  /**
   * Re-reads and publishes what changed for registry `units` (default: every managed or published unit). With
   * `preRead`, states the caller has just read (the reconcile pass) stand for the re-read when still current.
   */
  refresh(units?: Iterable<string>, preRead?: PreRead): Promise<void> {
    const all = () => [...[...this.opts.managed.units()].map((m) => m.unit), ...this.published.keys()];
    for (const unit of units ?? all()) this.dirty.add(unit);
    if (preRead !== undefined) this.preRead = preRead;
    return this.flush();
  }

  /** A new lease holds none of the old states: publish everything again under it. */
  leaseRenewed(): Promise<void> {
    this.published.clear();
    this.runtimes.clear();
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
    if (this.closed || this.dirty.size === 0) return void (this.preRead = undefined);
    const names = [...this.dirty].sort();
    this.dirty.clear();
    // A pre-read serves this flush or none: kept for later, it would stand for a re-read long after it was made.
    const preRead = this.preRead;
    this.preRead = undefined;
    const { managed } = this.opts;
    await this.removeGone(names.filter((n) => !managed.has(n) && this.published.has(n)));
    await this.publishLive(names.flatMap((n) => managed.get(n) ?? []), preRead);
  }

  private async removeGone(units: string[]): Promise<void> {
    await Promise.all(
      units.map(async (unit) => {
        try {
          await this.opts.registry.removeState(unit, this.opts.machineId);
          this.published.delete(unit);
          this.runtimes.delete(unit);
          this.opts.endpoints?.gone(unit);
          this.opts.logger.debug({ unit }, 'unit state removed');
        } catch (err) {
          this.retryLater(unit, err, 'removing unit state failed');
        }
      }),
    );
  }

  private async publishLive(units: ManagedUnit[], preRead: PreRead | undefined): Promise<void> {
    const lease = this.opts.lease();
    if (units.length === 0) return;
    if (lease === undefined) return void units.forEach((m) => this.dirty.add(m.unit)); // leaseRenewed() publishes them
    let states: ReadonlyMap<string, SystemdUnitState>;
    try {
      const running = units.filter((m) => m.refused === undefined).map((m) => m.systemdName);
      if (preRead !== undefined && preRead.epoch === this.epochs && running.every((n) => preRead.states.has(n))) states = preRead.states;
      else {
        this.epochs++;
        states = running.length === 0 ? new Map() : await this.opts.systemd().unitStates(running);
      }
    } catch (err) {
      return units.forEach((m) => this.retryLater(m.unit, err, 'reading unit states failed'));
    }
    // Every pass refreshes every unit: one that is unchanged and whose extras are known at once is skipped here,
    // without a promise per unit (garbage that a lean agent's 1 MiB young generation promotes; docs/benchmarks.md).
    const candidates: { m: ManagedUnit; state: SystemdUnitState; extras: StateExtras | Promise<StateExtras> }[] = [];
    for (const m of units) {
      const state = m.refused === undefined ? states.get(m.systemdName) : REFUSED_STATE;
      if (state === undefined) continue;
      const extras = this.extrasOf(m.unit, state);
      if (!(extras instanceof Promise) && this.published.get(m.unit) === fingerprintOf(state, m.hash, extras)) continue;
      candidates.push({ m, state, extras });
    }
    if (candidates.length === 0) return;
    const changed: { m: ManagedUnit; state: SystemdUnitState; extras: StateExtras; fingerprint: string }[] = [];
    for (const c of candidates) {
      const extras = c.extras instanceof Promise ? await c.extras : c.extras;
      const fingerprint = fingerprintOf(c.state, c.m.hash, extras);
      if (this.published.get(c.m.unit) !== fingerprint) changed.push({ m: c.m, state: c.state, extras, fingerprint });
    }
    if (changed.length === 0) return;
    const runtimes = await this.runtimesOf(changed);
    const records = changed.map(({ m, state: { loadState, activeState, subState }, extras }): UnitStateRecord => ({
      unit: m.unit, machineId: this.opts.machineId, hash: m.hash, loadState, activeState, subState, updatedAt: Date.now(), ...extras, ...runtimes.get(m.unit),
    }));
    // One transaction per 128 states (publishStates), not one put per unit: a burst of starts is a few round trips.
    try {
      await this.opts.registry.publishStates(records, lease);
    } catch (err) {
      return changed.forEach(({ m }) => this.retryLater(m.unit, err, 'publishing unit state failed'));
    }
    changed.forEach(({ m, fingerprint }, i) => {
      const record = records[i]!;
      this.published.set(m.unit, fingerprint);
      this.failures.observe(record);
      this.opts.endpoints?.observe(record);
      this.opts.logger.debug({ unit: m.unit, loadState: record.loadState, activeState: record.activeState, subState: record.subState }, 'unit state published');
    });
  }

  /**
   * Restarts and since-when (ops views) of the changed units. Both change only with the ActiveState (systemd's
   * StateChangeTimestamp; NRestarts counts automatic restarts, which go through `activating`), so a unit's are
   * read once per ActiveState it enters, all of a flush's in one `unitRuntimes` call, and reused while its
   * ActiveState stays (a new SubState, hash or health result reads nothing). Best effort: without them the state
   * is still published.
   */
  private async runtimesOf(changed: readonly { m: ManagedUnit; state: SystemdUnitState }[]): Promise<Map<string, UnitRuntime>> {
    const out = new Map<string, UnitRuntime>();
    const toRead: { unit: string; systemdName: string; activeState: string }[] = [];
    for (const { m, state } of changed) {
      if (state === REFUSED_STATE || m.refused !== undefined || state.loadState !== 'loaded') continue;
      const known = this.runtimes.get(m.unit);
      if (known !== undefined && known.activeState === state.activeState) out.set(m.unit, known.runtime);
      else toRead.push({ unit: m.unit, systemdName: m.systemdName, activeState: state.activeState });
    }
    if (toRead.length === 0) return out;
    try {
      const read = await this.opts.systemd().unitRuntimes(toRead.map((r) => r.systemdName));
      for (const { unit, systemdName, activeState } of toRead) {
        const runtime = read.get(systemdName);
        if (runtime === undefined) continue;
        out.set(unit, runtime);
        this.runtimes.set(unit, { activeState, runtime });
      }
    } catch (err) {
      this.opts.logger.debug({ units: toRead.length, err }, 'reading restarts/since failed; published without');
    }
    return out;
  }

  /** Container state and health; best effort like runtimesOf: a failure publishes without them. */
  private extrasOf(unit: string, state: SystemdUnitState): StateExtras | Promise<StateExtras> {
    const m = this.opts.managed.get(unit);
    if (this.opts.extras === undefined || m === undefined || state === REFUSED_STATE) return NO_EXTRAS;
    const failed = (err: unknown): StateExtras => {
      this.opts.logger.debug({ unit, err }, 'reading container state/health failed; published without');
      return NO_EXTRAS;
    };
    try {
      const extras = this.opts.extras(m, state);
      return extras instanceof Promise ? extras.catch(failed) : extras;
    } catch (err) {
      return failed(err);
    }
  }

  /** Failed units stay dirty; the next refresh (at the latest the next reconcile pass) tries again. */
  private retryLater(unit: string, err: unknown, msg: string): void {
    this.dirty.add(unit);
    this.opts.logger.warn({ unit, err }, msg);
  }
}
