/**
 * The agent: presence in the registry, an in-memory mirror of this machine's assignments (snapshot + watch
 * from its revision), a level-triggered reconciler (woken by mirror changes, coalesced, plus a periodic pass
 * that reads only systemd and the local directory) and signal-driven state publishing. This module only wires
 * them; when the mirror is trusted again after a registration or a cut-off is resync.ts, stopping is shutdown.ts.
 */
import path from 'node:path';
import type { MachineRecord } from '@flotilla/core';
import type { AgentRegistryAccess } from './agent-registry.js';
import type { Logger } from 'pino';
import { AssignmentMirror, SNAPSHOT_CHANGE } from './assignments/mirror.js';
import { InheritedReleaser } from './assignments/releaser.js';
import { createIntrospection, type Introspection } from './introspect/introspect.js';
import { ManagedUnits } from './managed-units.js';
import type { UnitRenderer } from './naming/unit-renderer.js';
import { readCapacity } from './presence/capacity.js';
import { ContactMonitor } from './presence/contact.js';
import { Presence } from './presence/presence.js';
import { Reconciler, type PassTimer } from './reconcile/reconciler.js';
import { Resync } from './resync.js';
import { stopAgent, type AgentStopMode, type AgentStopReport } from './shutdown.js';
import { EndpointPublisher } from './endpoints/endpoint-publisher.js';
import { unitStateExtras } from './unit-probes/state-extras.js';
import { StatePublisher } from './state-publisher.js';
import { SystemdLink } from './systemd/link.js';
import { DEFAULT_UNITS_DIR, UnitFiles } from './unit-files.js';

export const DEFAULT_RECONCILE_INTERVAL_MS = 5000;

export interface AgentConfig {
  registry: AgentRegistryAccess;
  /** Without `capacity`, the agent fills it in from the OS and cgroup limits. */
  machine: MachineRecord;
  /** Lease TTL of the machine key and of every state the agent publishes. */
  ttlSec: number;
  /** Default /run/flotilla/units. */
  unitsDir?: string;
  /** Where the presence lease id is kept across agent restarts; default `agent.lease` beside unitsDir. */
  leaseFile?: string;
  /** `unitsDir` as systemd sees it, when the agent runs outside the machine's mount namespace (tests). */
  unitsDirSeenBySystemd?: string;
  /** D-Bus address of the system bus; default `unix:path=/run/dbus/system_bus_socket`. */
  busAddress?: string;
  /** Deadline of each D-Bus call; default 15 s. */
  systemdCallTimeoutMs?: number;
  logger: Logger;
  /** Safety-net pass (systemd + local files only, no etcd); default 5 s. */
  reconcileIntervalMs?: number;
  /** Registry unit types that run as another systemd unit (e.g. `.container` → `.service`). */
  unitRenderers?: UnitRenderer[];
  /** How long unloading a unit waits for systemd to report it down (its state stays published meanwhile); 30 s. */
  stopWaitMs?: number;
  /** Argv prefix for the systemctl/journalctl behind status/journal (tests: nsenter into a machine). */
  commandPrefix?: string[];
  /** Times each reconcile pass (the daemon passes `flotilla_reconcile_duration_seconds`, docs/ops.md); default untimed. */
  reconcileTimer?: PassTimer;
}

export interface AgentHandle extends Introspection {
  /**
   * Stops the agent; never leaves a unit running on a machine the scheduler no longer counts (docs/agent.md,
   * "Restart or leave"):
   * - `leave` (default; `systemctl stop`, shutdown): unloads every unit (each waited for until systemd reports
   *   it down, its state removed only then), then revokes the lease, so the scheduler places them elsewhere only
   *   once they stopped here: stop-before-start for the whole machine.
   * - `restart` (`systemctl restart`, an upgrade): units keep running and the lease is left to the next agent
   *   process, which takes the machine key over (same PIDs, nothing rescheduled).
   */
  stop(opts?: { mode?: AgentStopMode }): Promise<AgentStopReport>;
  /** Counters for tests and benches. */
  stats(): AgentStats;
  /** Changes the machine record (a reload: metadata, IP, apiUrl): rewritten in etcd under the current lease and
   * written by every later registration. False: no lease held now; the next registration writes it. */
  updateMachine(patch: MachinePatch): Promise<boolean>;
}

export type MachinePatch = Partial<Pick<MachineRecord, 'metadata' | 'ip' | 'apiUrl'>>;

export type { AgentStopMode, AgentStopReport };

export interface AgentStats {
  passes: number;
  reloads: number;
  managedUnits: number;
  /** Assignments were read after the current registration (before that, the agent starts nothing new). */
  synced: boolean;
}

/** Parts that others call before they exist: the systemd link and presence reach the publisher; the mirror,
 * contact monitor and resync wake the reconciler. All are constructed before the agent starts. */
interface Late {
  publisher?: StatePublisher;
  reconciler?: Reconciler;
}

/** Starts the agent. Fails only if systemd is unreachable at start; etcd being away is retried forever. */
export async function startAgent(config: AgentConfig): Promise<AgentHandle> {
  const { registry } = config;
  const machine: MachineRecord = { ...config.machine, capacity: config.machine.capacity ?? (await readCapacity()) };
  const logger = config.logger.child({ machineId: machine.id });
  const managed = new ManagedUnits();
  const files = new UnitFiles(config.unitsDir ?? DEFAULT_UNITS_DIR, config.unitsDirSeenBySystemd);
  const late: Late = {};
  const wake = (why: string) => void late.reconciler?.trigger(why);
  const link = await connectSystemd(config, logger, (unit) => late.publisher?.notify(unit));
  const sync = createSync({ config, machine, logger, files, late, wake });
  const { presence, mirror } = sync;
  const { publisher, unitExtras } = createPublisher({ registry, machine, logger, files, managed, link, presence, late });
  late.publisher = publisher;
  const reconciler = (late.reconciler = new Reconciler({
    registry, assignments: () => mirror.current(), files, systemd: link, publisher, logger, managed, renderers: config.unitRenderers ?? [],
    contact: () => sync.resync.contact(),
    held: () => mirror.held(),
    release: (units) => sync.releaser.release(units),
    ...(config.stopWaitMs === undefined ? {} : { stopWaitMs: config.stopWaitMs }),
    ...(config.reconcileTimer ? { passTimer: config.reconcileTimer } : {}),
  }));

  presence.start();
  mirror.start();
  sync.contact.start();
  const interval = setInterval(() => wake('interval'), config.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
  logger.info({ unitsDir: files.dir, capacity: machine.capacity }, 'agent started');
  const running = { ...sync, reconciler, publisher, monitor: unitExtras.monitor, link, registry, machineId: machine.id, logger, interval };
  return {
    ...createIntrospection({ machineId: machine.id, managed, ...(config.commandPrefix ? { commandPrefix: config.commandPrefix } : {}) }),
    stats: () => ({ passes: reconciler.passes, reloads: reconciler.reloads, managedUnits: managed.size, synced: mirror.held() !== 'all' }),
    stop: (opts = {}) => stopAgent(running, opts.mode ?? 'leave'),
    updateMachine: (patch) => presence.update({ ...presence.record, ...patch }),
  };
}

/** The D-Bus link to systemd, connected once (systemd unreachable at start fails the start). */
async function connectSystemd(config: AgentConfig, logger: Logger, onUnitChanged: (unit: string) => void): Promise<SystemdLink> {
  const systemdOptions = {
    ...(config.busAddress === undefined ? {} : { busAddress: config.busAddress }),
    ...(config.systemdCallTimeoutMs === undefined ? {} : { callTimeoutMs: config.systemdCallTimeoutMs }),
  };
  const link = new SystemdLink(systemdOptions, onUnitChanged, logger);
  await link.ensure();
  return link;
}

interface SyncInput {
  config: AgentConfig;
  machine: MachineRecord;
  logger: Logger;
  files: UnitFiles;
  late: Late;
  wake: (why: string) => void;
}

/** Presence, the assignment mirror, the releaser of inherited assignments, the contact monitor, and the resync
 * (resync.ts) that ties their events together. */
function createSync({ config, machine, logger, files, late, wake }: SyncInput) {
  const { registry, ttlSec } = config;
  const machineId = machine.id;
  const mirror = new AssignmentMirror({
    registry, machineId, logger,
    onChange: (why) => {
      if (why === SNAPSHOT_CHANGE) resync.snapshotRead();
      wake(why);
    },
  });
  // Assignments that may predate this registration are not started but handed back (docs/agent.md,
  // "Returning after a lost lease").
  const releaser = new InheritedReleaser({ registry, machineId, logger });
  const presence: Presence = new Presence({
    registry, machine, ttlSec, logger,
    leaseFile: config.leaseFile ?? path.join(path.dirname(files.dir), 'agent.lease'),
    onRegistered: (lease) => {
      resync.registered(lease);
      void late.publisher?.leaseRenewed();
    },
    onLost: () => resync.leaseLost(),
  });
  const leaseHeld = () => presence.current !== undefined;
  const contact = new ContactMonitor({
    registry, machineId, ttlSec, leaseHeld,
    needed: () => (late.reconciler?.optedIn ?? 0) > 0,
    onChange: (cutOff) => resync.contactChanged(cutOff),
  });
  const fence = () => void late.reconciler?.fenceNow();
  const resync = new Resync({ mirror, releaser, registry, machineId, leaseHeld, cutOff: () => contact.cutOff, wake, fence, logger });
  return { mirror, releaser, presence, contact, resync };
}

interface PublisherInput {
  registry: AgentRegistryAccess;
  machine: MachineRecord;
  logger: Logger;
  files: UnitFiles;
  managed: ManagedUnits;
  link: SystemdLink;
  presence: Presence;
  late: Late;
}

/** The unit state publisher, with the endpoints and health-check extras it publishes along. */
function createPublisher({ registry, machine, logger, files, managed, link, presence, late }: PublisherInput) {
  const endpoints = new EndpointPublisher({ registry, machineId: machine.id, ip: machine.ip, logger, lease: () => presence.current });
  const unitExtras = unitStateExtras({
    files, logger, isManaged: (unit) => managed.has(unit),
    restart: async (systemdName) => void (await link.current().restartUnit(systemdName)),
    republish: (unit) => late.publisher?.refresh([unit]) ?? Promise.resolve(),
  });
  const publisher = new StatePublisher({
    registry, machineId: machine.id, logger, systemd: () => link.current(), lease: () => presence.current, managed, endpoints, extras: unitExtras.extras,
  });
  return { publisher, unitExtras };
}
