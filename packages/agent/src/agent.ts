/**
 * The agent: presence in the registry, an in-memory mirror of this machine's assignments (snapshot + watch
 * from its revision), a level-triggered reconciler (woken by mirror changes, coalesced, plus a periodic pass
 * that reads only systemd and the local directory) and signal-driven state publishing.
 */
import path from 'node:path';
import { ConflictError, type ClusterRegistry, type MachineRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { AssignmentMirror } from './assignments/mirror.js';
import { InheritedReleaser } from './assignments/releaser.js';
import { createIntrospection, type Introspection } from './introspect/introspect.js';
import { ManagedUnits } from './managed-units.js';
import type { UnitRenderer } from './naming/unit-renderer.js';
import { readCapacity } from './presence/capacity.js';
import { ContactMonitor } from './presence/contact.js';
import { Presence } from './presence/presence.js';
import { Reconciler } from './reconcile/reconciler.js';
import { EndpointPublisher } from './endpoints/endpoint-publisher.js';
import { unitStateExtras } from './health-checks/state-extras.js';
import { StatePublisher } from './state-publisher.js';
import { SystemdLink } from './systemd/link.js';
import { DEFAULT_UNITS_DIR, UnitFiles } from './unit-files.js';

export const DEFAULT_RECONCILE_INTERVAL_MS = 5000;

export interface AgentConfig {
  registry: ClusterRegistry;
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

export type AgentStopMode = 'leave' | 'restart';

export interface AgentStopReport {
  mode: AgentStopMode;
  /** Units unloaded (stopped and removed) on the way out; 0 for a restart. */
  unitsStopped: number;
  durationMs: number;
}

export interface AgentStats {
  passes: number;
  reloads: number;
  managedUnits: number;
  /** Assignments were read after the current registration (before that, the agent starts nothing new). */
  synced: boolean;
}

/** Starts the agent. Fails only if systemd is unreachable at start; etcd being away is retried forever. */
export async function startAgent(config: AgentConfig): Promise<AgentHandle> {
  const { registry } = config;
  const machine: MachineRecord = { ...config.machine, capacity: config.machine.capacity ?? (await readCapacity()) };
  const logger = config.logger.child({ machineId: machine.id });
  const managed = new ManagedUnits();
  const files = new UnitFiles(config.unitsDir ?? DEFAULT_UNITS_DIR, config.unitsDirSeenBySystemd);

  // The publisher, presence and link refer to each other through closures; all are constructed before use.
  let publisher: StatePublisher | undefined;
  const systemdOptions = {
    ...(config.busAddress === undefined ? {} : { busAddress: config.busAddress }),
    ...(config.systemdCallTimeoutMs === undefined ? {} : { callTimeoutMs: config.systemdCallTimeoutMs }),
  };
  const link = new SystemdLink(systemdOptions, (unit) => publisher?.notify(unit), logger);
  await link.ensure();

  let reconciler: Reconciler | undefined;
  const wake = (why: string) => void reconciler?.trigger(why);
  // After a cut-off, StopOnLeaseLoss units stay stopped until a fresh snapshot says they are still ours (the
  // mirror may hold assignments the scheduler has moved elsewhere meanwhile).
  let awaitingResync = false;
  const mirror = new AssignmentMirror({
    registry,
    machineId: machine.id,
    logger,
    onChange: (why) => {
      if (why === 'assignments snapshot' && awaitingResync) void confirmStillRegistered();
      wake(why);
    },
  });
  // Assignments that may predate this registration are not started but handed back (docs/agent.md,
  // "Returning after a lost lease").
  const releaser = new InheritedReleaser({ registry, machineId: machine.id, logger });
  const presence: Presence = new Presence({
    registry,
    machine,
    ttlSec: config.ttlSec,
    logger,
    leaseFile: config.leaseFile ?? path.join(path.dirname(files.dir), 'agent.lease'),
    onRegistered: (lease) => {
      // Trust nothing mirrored before: start again from a snapshot read after the registration.
      releaser.registered();
      mirror.resync('registered', { afterRegistration: true, takenOver: lease.takenOver === true });
      void publisher?.leaseRenewed();
    },
    onLost: () => mirror.leaseLost(),
  });
  /** After a cut-off: the snapshot is trusted only if our machine key outlived the cut-off (read after it). A
   * key that is gone means a lost lease: the next registration's snapshot decides instead. */
  const confirmStillRegistered = async (): Promise<void> => {
    try {
      const alive = presence.current !== undefined && (await registry.listMachines()).some((m) => m.id === machine.id);
      if (alive && presence.current !== undefined) awaitingResync = false;
      else logger.info('in contact again but the machine key is gone; waiting for the next registration');
      wake('contact confirmed');
    } catch (err) {
      logger.warn({ err }, 'checking the machine key after a cut-off failed; retrying with a fresh snapshot');
      setTimeout(() => mirror.resync('machine key check failed'), 1000).unref();
    }
  };
  const contact = new ContactMonitor({
    registry,
    machineId: machine.id,
    ttlSec: config.ttlSec,
    leaseHeld: () => presence.current !== undefined,
    needed: () => (reconciler?.optedIn ?? 0) > 0,
    onChange: (cutOff) => {
      if (cutOff) return wake('cut off from etcd');
      awaitingResync = true;
      mirror.resync('in contact with etcd again');
    },
  });
  const endpoints = new EndpointPublisher({ registry, machineId: machine.id, ip: machine.ip, logger, lease: () => presence.current });
  const unitExtras = unitStateExtras({
    files, logger, isManaged: (unit) => managed.has(unit),
    restart: async (systemdName) => void (await link.current().restartUnit(systemdName)),
    republish: (unit) => publisher?.refresh([unit]) ?? Promise.resolve(),
  });
  publisher = new StatePublisher({
    registry, machineId: machine.id, logger, systemd: () => link.current(), lease: () => presence.current, managed, endpoints, extras: unitExtras.extras,
  });
  reconciler = new Reconciler({
    registry, assignments: () => mirror.current(), files, systemd: link, publisher, logger, managed, renderers: config.unitRenderers ?? [],
    contact: () => (contact.cutOff ? 'cut-off' : awaitingResync ? 'unconfirmed' : 'in-contact'),
    held: () => mirror.held(),
    release: (units) => releaser.release(units),
    ...(config.stopWaitMs === undefined ? {} : { stopWaitMs: config.stopWaitMs }),
  });

  presence.start();
  mirror.start();
  contact.start();
  const interval = setInterval(() => wake('interval'), config.reconcileIntervalMs ?? DEFAULT_RECONCILE_INTERVAL_MS);
  logger.info({ unitsDir: files.dir, capacity: machine.capacity }, 'agent started');
  const introspection = createIntrospection({ machineId: machine.id, managed, ...(config.commandPrefix ? { commandPrefix: config.commandPrefix } : {}) });

  /**
   * Leaving for good: the machine record says so first (the scheduler places nothing new here), then each unit is
   * handed back to the scheduler the moment it is down (its state gone), so it starts elsewhere after its own stop,
   * not after the slowest unit's; the lease goes last (docs/agent.md, "Stopping").
   */
  const leave = async (): Promise<number> => {
    await presence.update({ ...presence.record, leaving: true }).catch((err: unknown) => logger.warn({ err }, 'could not mark the machine as leaving; its units move once the lease is revoked'));
    const handedBack: Promise<void>[] = [];
    const count = await reconciler.purge((unit) => {
      handedBack.push(
        registry.unassign(unit, machine.id).catch((err: unknown) => {
          // A conflict: a global unit (no schedule entry), or the scheduler had already moved it.
          if (!(err instanceof ConflictError)) logger.warn({ err, unit }, 'handing a stopped unit back failed; it moves once the lease is revoked');
        }),
      );
    });
    await Promise.all(handedBack);
    return count;
  };

  return {
    ...introspection,
    stats: () => ({ passes: reconciler.passes, reloads: reconciler.reloads, managedUnits: managed.size, synced: mirror.held() !== 'all' }),
    async stop(opts = {}) {
      const mode = opts.mode ?? 'leave';
      const started = performance.now();
      clearInterval(interval);
      contact.stop();
      await mirror.close();
      // Leaving: the units go down while the lease (and so the machine key) is still there; only then may the
      // scheduler place them elsewhere. Restarting: nothing is touched.
      const unitsStopped = mode === 'leave' ? await leave() : (await reconciler.stop(), 0);
      publisher.close();
      unitExtras.monitor.close();
      await presence.stop(mode);
      link.close();
      const durationMs = Math.round(performance.now() - started);
      if (mode === 'leave') logger.info({ unitsStopped, durationMs }, 'agent stopped: units stopped, machine left the cluster');
      else logger.info({ durationMs }, 'agent stopped for a restart: units left running, lease left to the next agent');
      return { mode, unitsStopped, durationMs };
    },
    updateMachine: (patch) => presence.update({ ...presence.record, ...patch }),
  };
}
