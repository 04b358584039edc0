/**
 * On SIGTERM/SIGINT: does the agent leave the cluster (stop its units, revoke its lease) or only restart (units
 * and lease left to the next agent process)? systemd knows: the job it runs on our unit says `systemctl stop` or
 * shutdown (a stop job) from `systemctl restart` (a restart job), and with no job our Restart= says whether
 * systemd starts us again (org.freedesktop.systemd1(5): Unit.Job, Job.JobType, Service.Restart). Whenever that
 * cannot be known, leave: a restart that never comes would leave units running on a machine the scheduler no
 * longer counts. docs/agent.md, "Restart or leave".
 */
import { withDeadline } from '@flotilla/core';
import type { AgentStopMode } from '@flotilla/agent';
import type { StopModeSetting } from './config.js';

export interface StopModeFacts {
  /** FLOTILLA_STOP_MODE; anything but `auto` wins over systemd. */
  setting: StopModeSetting;
  /** Our process runs as a systemd service (not a login session's scope, not outside systemd). */
  underSystemd: boolean;
  /** The type of the job systemd runs on our unit now; undefined: none. */
  jobType?: string;
  /** Our service's Restart= setting. */
  restartSetting?: string;
  /** Asking systemd failed (no bus, timeout, …). */
  error?: string;
}

export interface StopModeDecision {
  mode: AgentStopMode;
  reason: string;
}

/** Jobs that start the unit again once it stopped. systemd collapses try-restart and reload-or-restart into a
 * restart job before it runs; their own names are kept in case a job is ever seen under them. */
const RESTART_JOBS = new Set(['restart', 'try-restart', 'reload-or-restart', 'reload-or-try-restart', 'reload-or-start']);

/** Restart= values that restart a service after a clean exit, which a graceful stop is (systemd.service(5)). */
const RESTARTS_AFTER_CLEAN_EXIT = new Set(['always', 'on-success']);

export function decideStopMode(facts: StopModeFacts): StopModeDecision {
  if (facts.setting !== 'auto') return { mode: facts.setting, reason: `FLOTILLA_STOP_MODE=${facts.setting}` };
  if (facts.error !== undefined) return { mode: 'leave', reason: `cannot ask systemd (${facts.error})` };
  if (!facts.underSystemd) return { mode: 'leave', reason: 'not running as a systemd service' };
  if (facts.jobType === 'stop') return { mode: 'leave', reason: 'systemd stop job (systemctl stop, or shutdown)' };
  if (facts.jobType !== undefined && RESTART_JOBS.has(facts.jobType)) return { mode: 'restart', reason: `systemd ${facts.jobType} job` };
  const job = facts.jobType === undefined ? 'no systemd job' : `systemd ${facts.jobType} job`;
  const restart = facts.restartSetting ?? 'unknown';
  return RESTARTS_AFTER_CLEAN_EXIT.has(restart)
    ? { mode: 'restart', reason: `${job}, Restart=${restart}: systemd starts the agent again` }
    : { mode: 'leave', reason: `${job}, Restart=${restart}: systemd does not start the agent again after a clean exit` };
}

/** What systemd says about our unit (the D-Bus adapter: readOwnUnitJob). */
export type OwnUnitReader = () => Promise<{ unit: string; jobType?: string; restart?: string }>;

/** Asks systemd (unless the setting decides) within `deadlineMs`, then decides. Never throws. */
export async function resolveStopMode(
  setting: StopModeSetting,
  read: OwnUnitReader,
  deadlineMs: number,
): Promise<StopModeDecision & { unit?: string }> {
  if (setting !== 'auto') return decideStopMode({ setting, underSystemd: false });
  try {
    const own = await withDeadline(read(), deadlineMs, () => new Error(`no answer within ${deadlineMs} ms`));
    const facts: StopModeFacts = {
      setting,
      underSystemd: own.unit.endsWith('.service'),
      ...(own.jobType === undefined ? {} : { jobType: own.jobType }),
      ...(own.restart === undefined ? {} : { restartSetting: own.restart }),
    };
    return { ...decideStopMode(facts), unit: own.unit };
  } catch (err) {
    return decideStopMode({ setting, underSystemd: false, error: err instanceof Error ? err.message : String(err) });
  }
}
