/**
 * Runs the `[X-Flotilla] HealthCheck=` of every unit active on this machine (docs/agent.md). The state publisher
 * tells it each unit's systemd state (`observe`) and publishes what it returns; checks run on their own timer
 * only while the unit is active, and a change of status or failure count asks for a re-publish (`changed`).
 * After `HealthRetries` failures in a row the unit is restarted through systemd, spaced by a back-off.
 * These are one unit's own probes, run by the agent of its machine; the cluster-wide health report that reads
 * their published results is packages/api/src/health/ (docs/ops.md).
 */
import { healthCheckConfig, parseUnitFile, type HealthCheckConfig, type SystemdUnitState, type UnitHealth } from '@flotilla/core';
import type { Logger } from 'pino';
import type { ManagedUnit } from '../managed-units.js';
import { DEFAULT_HEALTH_BACKOFF, initialCheckState, nextCheckState, type CheckState } from './check-state.js';
import { runProbe } from './probe.js';

export interface ProbeMonitorOptions {
  logger: Logger;
  /** The unit file systemd runs (the agent's own copy). */
  readUnitText: (systemdName: string) => Promise<string>;
  /** Whether the agent still manages the unit (a unit moved away or destroyed stops being checked). */
  isManaged: (unit: string) => boolean;
  /** RestartUnit, mode replace. */
  restart: (systemdName: string) => Promise<void>;
  /** The unit's health changed: publish it again (resolves once published or given up). */
  changed: (unit: string) => Promise<void>;
  backoff?: { backoffMs: number; maxBackoffMs: number };
}

interface Watched {
  systemdName: string;
  hash: string;
  config: HealthCheckConfig | undefined;
  state?: CheckState;
  timer?: NodeJS.Timeout;
}

export class ProbeMonitor {
  private readonly units = new Map<string, Watched>();
  private closed = false;

  constructor(private readonly opts: ProbeMonitorOptions) {}

  /** The unit's current systemd state → the health to publish with it (undefined: no checks, or not active). */
  async observe(m: ManagedUnit, state: SystemdUnitState): Promise<UnitHealth | undefined> {
    if (this.closed || m.refused !== undefined) return undefined;
    const w = await this.watched(m);
    if (w.config === undefined) return undefined;
    if (state.activeState !== 'active') {
      this.pause(w);
      return undefined;
    }
    if (w.timer === undefined) {
      w.state = initialCheckState(Date.now(), w.state);
      this.schedule(m.unit, w);
    }
    return w.state?.health;
  }

  /** Whether `observe` would return undefined at once: the unit is known, at this hash, to declare no checks. */
  unchecked(m: ManagedUnit): boolean {
    const w = this.units.get(m.unit);
    return w !== undefined && w.hash === m.hash && w.config === undefined;
  }

  /** The unit is no longer managed here. */
  forget(unit: string): void {
    const w = this.units.get(unit);
    if (w !== undefined) clearTimeout(w.timer);
    this.units.delete(unit);
  }

  close(): void {
    this.closed = true;
    for (const unit of [...this.units.keys()]) this.forget(unit);
  }

  private async watched(m: ManagedUnit): Promise<Watched> {
    const known = this.units.get(m.unit);
    if (known !== undefined && known.hash === m.hash) return known;
    if (known !== undefined) this.forget(m.unit);
    const w: Watched = { systemdName: m.systemdName, hash: m.hash, config: await this.configOf(m) };
    this.units.set(m.unit, w);
    return w;
  }

  private async configOf(m: ManagedUnit): Promise<HealthCheckConfig | undefined> {
    try {
      return healthCheckConfig(m.unit, parseUnitFile(await this.opts.readUnitText(m.systemdName), m.systemdName));
    } catch (err) {
      this.opts.logger.warn({ unit: m.unit, err }, 'health checks of the unit ignored');
      return undefined;
    }
  }

  private pause(w: Watched): void {
    clearTimeout(w.timer);
    w.timer = undefined;
  }

  private schedule(unit: string, w: Watched): void {
    const config = w.config as HealthCheckConfig;
    w.timer = setTimeout(() => void this.check(unit, w, config), config.intervalMs);
  }

  private async check(unit: string, w: Watched, config: HealthCheckConfig): Promise<void> {
    const outcome = await runProbe(config.probe, config.timeoutMs);
    if (!this.opts.isManaged(unit)) return this.forget(unit);
    if (this.units.get(unit) !== w || w.timer === undefined || w.state === undefined) return; // paused or forgotten meanwhile
    const before = w.state.health;
    const step = nextCheckState(w.state, outcome, Date.now(), { retries: config.retries, restart: config.restart, ...(this.opts.backoff ?? DEFAULT_HEALTH_BACKOFF) });
    w.state = step.state;
    const after = w.state.health;
    // Published before the restart, so that "unhealthy" is seen while the unit is still active.
    if (before.status !== after.status || before.failures !== after.failures || before.message !== after.message) await this.opts.changed(unit);
    if (step.restart !== undefined) await this.restart(unit, w, step.restart);
    if (this.units.get(unit) === w && w.timer !== undefined) this.schedule(unit, w);
  }

  private async restart(unit: string, w: Watched, why: string): Promise<void> {
    this.opts.logger.warn({ unit, why, healthRestarts: w.state?.restarts }, 'restarting unhealthy unit');
    try {
      await this.opts.restart(w.systemdName);
    } catch (err) {
      this.opts.logger.error({ unit, err }, 'restarting unhealthy unit failed');
    }
  }
}
