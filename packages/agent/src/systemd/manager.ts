/**
 * Thin adapter over org.freedesktop.systemd1.Manager: exactly the calls the agent needs, each with a deadline,
 * each failure translated once into a SystemdError. No policy lives here (what to start, when to reload).
 */
import type { SystemdUnitState } from '@flotilla/core';
import type * as dbus from 'dbus-next';
import { BusConnection, DEFAULT_SYSTEM_BUS, type BusCall } from './bus.js';
import { isNoSuchUnit } from './errors.js';
import { hasRestartCounter, unitRuntimeOf, type UnitRuntime } from './runtime.js';
import { UNIT_PATH_PREFIX, unitNameFromPath, unitObjectPath } from './unit-path.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const MANAGER_PATH = '/org/freedesktop/systemd1';
const MANAGER_IFACE = 'org.freedesktop.systemd1.Manager';
const PROPERTIES_IFACE = 'org.freedesktop.DBus.Properties';
const UNIT_IFACE = 'org.freedesktop.systemd1.Unit';
const SERVICE_IFACE = 'org.freedesktop.systemd1.Service';
const DEFAULT_CALL_TIMEOUT_MS = 15_000;

/** systemd reports the states of an unknown unit like this (ListUnitsByNames never fails on a name). */
export const UNKNOWN_UNIT_STATE: SystemdUnitState = { loadState: 'not-found', activeState: 'inactive', subState: 'dead' };

export interface SystemdManagerOptions {
  /** D-Bus address, e.g. `unix:path=/run/dbus/system_bus_socket` (the default: the system bus). */
  busAddress?: string;
  /** Deadline for every D-Bus call, connecting included; default 15 s. */
  callTimeoutMs?: number;
}

export type UnitsChangedListener = (unitName: string) => void;

/** One change systemd made to the unit file tree: type (`symlink`, `unlink`, …), the symlink, its target. */
export interface UnitFileChange {
  type: string;
  file: string;
  destination: string;
}

export interface EnableResult {
  carriesInstallInfo: boolean;
  changes: UnitFileChange[];
}

export class SystemdManager {
  private subscribed: Promise<void> | undefined;
  private readonly listeners = new Set<UnitsChangedListener>();

  private constructor(private readonly conn: BusConnection) {}

  static async connect(opts: SystemdManagerOptions = {}): Promise<SystemdManager> {
    const timeout = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    return new SystemdManager(await BusConnection.open(opts.busAddress ?? DEFAULT_SYSTEM_BUS, timeout));
  }

  /** True once the bus connection failed or was closed; a new manager must be connected then. */
  get isClosed(): boolean {
    return this.conn.isClosed;
  }

  /** Links a unit file from outside the search path into /run/systemd/system (runtime, replacing any link). */
  async linkUnitFile(path: string): Promise<void> {
    await this.linkUnitFiles([path]);
  }

  /** Links several unit files in one call (systemd's cost is per call, not per file: link-batch.ts). */
  async linkUnitFiles(paths: readonly string[]): Promise<void> {
    const what = paths.length === 1 ? `LinkUnitFiles ${paths[0]}` : `LinkUnitFiles (${paths.length} files)`;
    await this.manager('LinkUnitFiles', 'asbb', [[...paths], true, true], what);
  }

  /**
   * Enables a linked unit file for this boot (runtime, replacing conflicting symlinks), as fleet does for a unit
   * with an `[Install]` section (coreos/fleet systemd/manager.go, enableUnit): its `WantedBy=`/`RequiredBy=`/
   * `Alias=` symlinks go under /run/systemd/system. A running manager sees them only after a daemon-reload.
   * `carriesInstallInfo` is false when the file has no installation rules systemd acts on.
   */
  async enableUnitFile(path: string): Promise<EnableResult> {
    const [carries, changes] = await this.manager('EnableUnitFiles', 'asbb', [[path], true, true], `EnableUnitFiles ${path}`);
    return { carriesInstallInfo: carries === true, changes: unitFileChanges(changes) };
  }

  /**
   * Removes every runtime symlink to a unit: its link from LinkUnitFiles and the `.wants/`, `.requires/` and
   * alias symlinks of a runtime enablement (the file itself is the caller's).
   */
  async unlinkUnitFile(name: string): Promise<void> {
    await this.manager('DisableUnitFiles', 'asb', [[name], true], `DisableUnitFiles ${name}`);
  }

  /** daemon-reload: re-reads every unit file. Costs more the more units exist; callers batch it. */
  async reload(): Promise<void> {
    await this.manager('Reload', undefined, [], 'Reload');
  }

  /** Queues a start job (mode "replace") and returns its job path; the job finishes asynchronously. */
  async startUnit(name: string): Promise<string> {
    const [job] = await this.manager('StartUnit', 'ss', [name, 'replace'], `StartUnit ${name}`);
    return String(job);
  }

  /** Queues a restart job (mode "replace"): health checks restart a failing unit. */
  async restartUnit(name: string): Promise<string> {
    const [job] = await this.manager('RestartUnit', 'ss', [name, 'replace'], `RestartUnit ${name}`);
    return String(job);
  }

  /** Queues a stop job (mode "replace"). A unit systemd does not know is already stopped: no error. */
  async stopUnit(name: string): Promise<string | undefined> {
    try {
      const [job] = await this.manager('StopUnit', 'ss', [name, 'replace'], `StopUnit ${name}`);
      return String(job);
    } catch (err) {
      if (isNoSuchUnit(err)) return undefined;
      throw err;
    }
  }

  /** Clears a unit's failed state. A unit systemd does not know has none: no error. */
  async resetFailed(name: string): Promise<void> {
    try {
      await this.manager('ResetFailedUnit', 's', [name], `ResetFailedUnit ${name}`);
    } catch (err) {
      if (!isNoSuchUnit(err)) throw err;
    }
  }

  /** Load/active/sub state of each name, in one ListUnitsByNames call; unknown units read as not-found. */
  async unitStates(names: readonly string[]): Promise<Map<string, SystemdUnitState>> {
    const states = new Map<string, SystemdUnitState>();
    if (names.length === 0) return states;
    const [rows] = await this.manager('ListUnitsByNames', 'as', [[...names]], `ListUnitsByNames (${names.length})`);
    for (const row of (rows ?? []) as unknown[][]) {
      const [name, , loadState, activeState, subState] = row.map(String);
      if (name !== undefined) states.set(name, { loadState: loadState ?? '', activeState: activeState ?? '', subState: subState ?? '' });
    }
    for (const name of names) if (!states.has(name)) states.set(name, { ...UNKNOWN_UNIT_STATE });
    return states;
  }

  /**
   * Where systemd loads each unit from (its FragmentPath; '' for a unit with no file, e.g. not-found or masked).
   * Used to prove ownership before the agent loads a unit: a definition from anywhere but the agent's own
   * directory belongs to someone else. LoadUnit makes systemd look the name up, as ListUnitsByNames does.
   */
  async fragmentPaths(names: readonly string[]): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    await Promise.all(
      names.map(async (name) => {
        const [objectPath] = await this.manager('LoadUnit', 's', [name], `LoadUnit ${name}`);
        const [variant] = await this.conn.call(
          { destination: SYSTEMD, path: String(objectPath), interface: PROPERTIES_IFACE, member: 'Get', signature: 'ss', body: [UNIT_IFACE, 'FragmentPath'] },
          `Get FragmentPath ${name}`,
        );
        paths.set(name, String((variant as { value?: unknown } | undefined)?.value ?? ''));
      }),
    );
    return paths;
  }

  /**
   * Restart count (NRestarts, services only) and since-when (StateChangeTimestamp) of each loaded unit, read
   * from its unit object (for the ops views, docs/ops.md). A unit systemd does not know is left out, not an error.
   */
  async unitRuntimes(names: readonly string[]): Promise<Map<string, UnitRuntime>> {
    const runtimes = new Map<string, UnitRuntime>();
    await Promise.all(
      names.map(async (name) => {
        try {
          const since = await this.unitProperty(name, UNIT_IFACE, 'StateChangeTimestamp');
          const restarts = hasRestartCounter(name) ? await this.unitProperty(name, SERVICE_IFACE, 'NRestarts') : undefined;
          runtimes.set(name, unitRuntimeOf(restarts, since));
        } catch (err) {
          if (!isNoSuchUnit(err)) throw err;
        }
      }),
    );
    return runtimes;
  }

  private async unitProperty(name: string, iface: string, property: string): Promise<unknown> {
    const path = unitObjectPath(name);
    const body = [iface, property];
    const [variant] = await this.conn.call({ destination: SYSTEMD, path, interface: PROPERTIES_IFACE, member: 'Get', signature: 'ss', body }, `Get ${property} ${name}`);
    return variant;
  }

  /**
   * Calls `listener(unitName)` whenever a job of a unit finishes (JobRemoved) or a unit object's properties
   * change (PropertiesChanged). The listener only learns *which* unit; it reads states itself. Subscribes to
   * systemd once per manager. Returns an unsubscribe function.
   */
  async onUnitsChanged(listener: UnitsChangedListener): Promise<() => void> {
    this.listeners.add(listener);
    try {
      this.subscribed ??= this.subscribe();
      await this.subscribed;
    } catch (err) {
      this.subscribed = undefined;
      this.listeners.delete(listener);
      throw err;
    }
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.listeners.clear();
    this.conn.close();
  }

  private async subscribe(): Promise<void> {
    this.conn.onSignal((msg) => this.dispatch(msg));
    const rules = [
      `type='signal',sender='${SYSTEMD}',path='${MANAGER_PATH}',interface='${MANAGER_IFACE}',member='JobRemoved'`,
      `type='signal',sender='${SYSTEMD}',interface='${PROPERTIES_IFACE}',member='PropertiesChanged',path_namespace='${UNIT_PATH_PREFIX.slice(0, -1)}'`,
    ];
    for (const rule of rules) {
      await this.conn.call(
        { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', interface: 'org.freedesktop.DBus', member: 'AddMatch', signature: 's', body: [rule] },
        'AddMatch',
      );
    }
    // Without Subscribe, systemd only emits signals if some other client subscribed.
    await this.manager('Subscribe', undefined, [], 'Subscribe');
  }

  private dispatch(msg: dbus.Message): void {
    const unit = unitOfSignal(msg);
    if (unit === undefined) return;
    for (const listener of this.listeners) listener(unit);
  }

  private manager(member: string, signature: string | undefined, body: unknown[], what: string): Promise<unknown[]> {
    const call: BusCall = { destination: SYSTEMD, path: MANAGER_PATH, interface: MANAGER_IFACE, member };
    if (signature !== undefined) Object.assign(call, { signature, body });
    return this.conn.call(call, what);
  }
}

/** EnableUnitFiles' a(sss) reply as records. */
function unitFileChanges(rows: unknown): UnitFileChange[] {
  return ((rows ?? []) as unknown[][]).map(([type, file, destination]) => ({ type: String(type), file: String(file), destination: String(destination) }));
}

/** Which unit a systemd signal is about, or undefined for signals we do not care about. */
function unitOfSignal(msg: dbus.Message): string | undefined {
  if (msg.interface === MANAGER_IFACE && msg.member === 'JobRemoved' && msg.path === MANAGER_PATH) {
    const unit = msg.body[2];
    return typeof unit === 'string' ? unit : undefined;
  }
  if (msg.interface === PROPERTIES_IFACE && msg.member === 'PropertiesChanged') return unitNameFromPath(msg.path);
  return undefined;
}
