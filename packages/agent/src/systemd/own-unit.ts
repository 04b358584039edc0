/**
 * What systemd is doing to the unit a process runs in, read when the daemon gets a stop signal: which unit it is
 * (Manager.GetUnitByPID), the job systemd is running on it (Unit.Job, then Job.JobType) and, for a service, its
 * Restart= setting (Service.Restart). Names and signatures: org.freedesktop.systemd1(5). Only reads; the
 * stop-or-restart decision made from these facts is pure and lives in the daemon (docs/agent.md, "Restart or leave").
 */
import { BusConnection, DEFAULT_SYSTEM_BUS } from './bus.js';

const SYSTEMD = 'org.freedesktop.systemd1';
const PROPERTIES = 'org.freedesktop.DBus.Properties';

export interface OwnUnitJob {
  /** The unit's name, e.g. `flotilla-agent.service` (a `.scope` when started by hand from a login session). */
  unit: string;
  /** The type of the job systemd runs on the unit now (`stop`, `restart`, …); undefined: no job. */
  jobType?: string;
  /** The service's Restart= (`no`, `always`, `on-failure`, …); undefined for a unit that is not a service. */
  restart?: string;
}

export interface OwnUnitJobOptions {
  /** The process whose unit is read (the daemon: its own pid). */
  pid: number;
  /** Default: the system bus. */
  busAddress?: string;
  /** Deadline of the connection and of each call. */
  timeoutMs: number;
}

/** Reads the unit, job and Restart= of `pid`'s unit. Throws SystemdError (no bus, no unit for the pid, timeout). */
export async function readOwnUnitJob(opts: OwnUnitJobOptions): Promise<OwnUnitJob> {
  const conn = await BusConnection.open(opts.busAddress ?? DEFAULT_SYSTEM_BUS, opts.timeoutMs);
  try {
    const [unitPath] = await conn.call(
      { destination: SYSTEMD, path: '/org/freedesktop/systemd1', interface: `${SYSTEMD}.Manager`, member: 'GetUnitByPID', signature: 'u', body: [opts.pid] },
      `GetUnitByPID ${opts.pid}`,
    );
    const path = String(unitPath);
    const get = async (objectPath: string, iface: string, property: string): Promise<unknown> => {
      const [variant] = await conn.call(
        { destination: SYSTEMD, path: objectPath, interface: PROPERTIES, member: 'Get', signature: 'ss', body: [`${SYSTEMD}.${iface}`, property] },
        `Get ${iface}.${property} of ${objectPath}`,
      );
      return (variant as { value?: unknown } | undefined)?.value;
    };
    const [id, job] = await Promise.all([get(path, 'Unit', 'Id'), get(path, 'Unit', 'Job')]);
    const unit = String(id);
    // Job is a struct (u id, o path); the path "/" means no job.
    const jobPath = Array.isArray(job) ? String(job[1]) : '/';
    const [jobType, restart] = await Promise.all([
      jobPath === '/' ? undefined : get(jobPath, 'Job', 'JobType'),
      unit.endsWith('.service') ? get(path, 'Service', 'Restart') : undefined,
    ]);
    return {
      unit,
      ...(jobType === undefined ? {} : { jobType: String(jobType) }),
      ...(restart === undefined ? {} : { restart: String(restart) }),
    };
  } finally {
    conn.close();
  }
}
