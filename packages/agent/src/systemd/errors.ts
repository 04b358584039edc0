/**
 * The one place D-Bus failures become Flotilla errors. Everything above the adapter sees `SystemdError` with a
 * stable code; `retryable` marks failures that the next reconcile pass may well not meet again.
 */
import { FlotillaError } from '@flotilla/core';

export type SystemdErrorCode =
  | 'SYSTEMD_UNAVAILABLE'
  | 'SYSTEMD_TIMEOUT'
  | 'SYSTEMD_NO_SUCH_UNIT'
  | 'SYSTEMD_LOAD_FAILED'
  | 'SYSTEMD_JOB_REJECTED'
  | 'SYSTEMD_ACCESS_DENIED'
  | 'SYSTEMD_FILE_ERROR'
  | 'SYSTEMD_INVALID_ARGS'
  | 'SYSTEMD_ENABLE_FAILED'
  | 'SYSTEMD_CALL_FAILED';

export class SystemdError extends FlotillaError {
  declare readonly code: SystemdErrorCode;
  /** The D-Bus error name (e.g. `org.freedesktop.systemd1.NoSuchUnit`), when systemd or the bus replied. */
  readonly dbusName: string | undefined;

  constructor(
    code: SystemdErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; retryable?: boolean; dbusName?: string } = {},
  ) {
    super(code, message, opts);
    this.dbusName = opts.dbusName;
  }

}

interface Rule {
  code: SystemdErrorCode;
  retryable: boolean;
  hint?: string;
}

/** D-Bus error names we know, mapped to our codes. Anything else is SYSTEMD_CALL_FAILED, not retryable. */
const RULES: Record<string, Rule> = {
  'org.freedesktop.systemd1.NoSuchUnit': { code: 'SYSTEMD_NO_SUCH_UNIT', retryable: false },
  'org.freedesktop.systemd1.LoadFailed': {
    code: 'SYSTEMD_LOAD_FAILED',
    retryable: false,
    hint: 'check the unit text with `systemd-analyze verify` on the machine',
  },
  'org.freedesktop.systemd1.UnitMasked': { code: 'SYSTEMD_LOAD_FAILED', retryable: false, hint: 'unmask the unit' },
  'org.freedesktop.systemd1.BadUnitSetting': { code: 'SYSTEMD_LOAD_FAILED', retryable: false },
  'org.freedesktop.systemd1.JobTypeNotApplicable': { code: 'SYSTEMD_JOB_REJECTED', retryable: false },
  'org.freedesktop.systemd1.OnlyByDependency': { code: 'SYSTEMD_JOB_REJECTED', retryable: false },
  'org.freedesktop.systemd1.TransactionIsDestructive': { code: 'SYSTEMD_JOB_REJECTED', retryable: true },
  'org.freedesktop.systemd1.TransactionJobsConflicting': { code: 'SYSTEMD_JOB_REJECTED', retryable: true },
  'org.freedesktop.systemd1.ShuttingDown': { code: 'SYSTEMD_UNAVAILABLE', retryable: true },
  'org.freedesktop.DBus.Error.AccessDenied': {
    code: 'SYSTEMD_ACCESS_DENIED',
    retryable: false,
    hint: 'the agent must run as root (or be allowed by polkit) to manage systemd units',
  },
  'org.freedesktop.DBus.Error.InteractiveAuthorizationRequired': { code: 'SYSTEMD_ACCESS_DENIED', retryable: false },
  'org.freedesktop.DBus.Error.NoReply': { code: 'SYSTEMD_TIMEOUT', retryable: true },
  'org.freedesktop.DBus.Error.Timeout': { code: 'SYSTEMD_TIMEOUT', retryable: true },
  'org.freedesktop.DBus.Error.TimedOut': { code: 'SYSTEMD_TIMEOUT', retryable: true },
  'org.freedesktop.DBus.Error.ServiceUnknown': { code: 'SYSTEMD_UNAVAILABLE', retryable: true },
  'org.freedesktop.DBus.Error.NameHasNoOwner': { code: 'SYSTEMD_UNAVAILABLE', retryable: true },
  'org.freedesktop.DBus.Error.Disconnected': { code: 'SYSTEMD_UNAVAILABLE', retryable: true },
  'org.freedesktop.DBus.Error.FileNotFound': { code: 'SYSTEMD_FILE_ERROR', retryable: false },
  'org.freedesktop.DBus.Error.FileExists': { code: 'SYSTEMD_FILE_ERROR', retryable: false },
  'org.freedesktop.DBus.Error.InvalidArgs': { code: 'SYSTEMD_INVALID_ARGS', retryable: false },
};

/** Socket-level failures (the bus went away or is not there yet): always worth another try. */
const SOCKET_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTCONN', 'EACCES']);

function dbusNameOf(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'type' in err && typeof err.type === 'string') return err.type;
  return undefined;
}

/** Translates whatever dbus-next threw during `what` (e.g. "StartUnit web.service") into a SystemdError. */
export function translateDbusError(err: unknown, what: string): SystemdError {
  if (err instanceof SystemdError) return err;
  const dbusName = dbusNameOf(err);
  const text = err instanceof Error ? err.message : String(err);
  if (dbusName !== undefined) {
    const rule = RULES[dbusName] ?? { code: 'SYSTEMD_CALL_FAILED', retryable: false };
    return new SystemdError(rule.code, `systemd ${what}: ${text} (${dbusName})`, {
      cause: err,
      retryable: rule.retryable,
      dbusName,
      ...(rule.hint === undefined ? {} : { hint: rule.hint }),
    });
  }
  const sysCode = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (SOCKET_CODES.has(sysCode)) {
    return new SystemdError('SYSTEMD_UNAVAILABLE', `systemd ${what}: bus unreachable: ${text}`, {
      cause: err,
      retryable: true,
      hint: 'is dbus running on this machine? the agent retries on the next reconcile',
    });
  }
  return new SystemdError('SYSTEMD_CALL_FAILED', `systemd ${what}: ${text}`, { cause: err, retryable: false });
}

/**
 * A unit with an `[Install]` section that systemd would not enable; fleet's text (coreos/fleet
 * systemd/manager.go, Load). Retryable only if the cause was (a timeout, systemd away).
 */
export function enableFailedError(unit: string, cause: unknown): SystemdError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new SystemdError('SYSTEMD_ENABLE_FAILED', `Failed to enable systemd unit ${unit}: ${why}`, {
    cause,
    retryable: cause instanceof SystemdError && cause.retryable,
    hint: 'check the [Install] section: WantedBy=, RequiredBy= and Alias= must name valid units (`systemd-analyze verify` on the machine)',
  });
}

export function isNoSuchUnit(err: unknown): boolean {
  return err instanceof SystemdError && err.code === 'SYSTEMD_NO_SUCH_UNIT';
}

/** systemd or the bus as a whole is gone (not connected, closed, shutting down) or does not answer in time. */
const MACHINE_FAULTS = new Set<SystemdErrorCode>(['SYSTEMD_UNAVAILABLE', 'SYSTEMD_TIMEOUT']);

/**
 * Whether a task's failure is its unit's own, so that the executor skips only that unit's later tasks
 * (reconcile/execute.ts; docs/agent.md, "Executor"). Every failure is (its file not written: ENAMETOOLONG,
 * ENOSPC, EACCES; systemd refusing its file, its [Install] section or its job; anything else), except one that
 * says systemd or the bus is gone, in the error or its causes, or any failure once the bus connection is closed:
 * then every later call would only wait for its own deadline, so the batch stops and the next pass starts over.
 */
export function isUnitFault(error: unknown, busClosed = false): boolean {
  if (busClosed) return false;
  let cause = error;
  for (let depth = 0; depth < 8 && cause !== undefined; depth++) {
    if (cause instanceof SystemdError && MACHINE_FAULTS.has(cause.code)) return false;
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return true;
}
