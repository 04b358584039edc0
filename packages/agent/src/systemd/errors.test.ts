import { describe, expect, test } from 'vitest';
import { enableFailedError, isUnitFault, SystemdError, translateDbusError } from './errors.js';

/** What Node's fs throws. */
const errno = (code: string) => Object.assign(new Error(`${code}: open '/run/flotilla/units/.x.service.0123456789ab.tmp'`), { code });
/** What dbus-next throws when systemd answers with an error. */
const dbus = (type: string) => Object.assign(new Error('systemd said no'), { type });

// The executor skips only the failing unit's later tasks when isUnitFault says so, else it stops the batch
// (docs/agent.md, "Executor").
describe('isUnitFault', () => {
  test.each([
    { name: '1 the unit file name is too long', error: errno('ENAMETOOLONG'), want: true },
    { name: '2 no space left for the unit file', error: errno('ENOSPC'), want: true },
    { name: '3 the units directory is not writable', error: errno('EACCES'), want: true },
    { name: '4 systemd cannot load the unit', error: translateDbusError(dbus('org.freedesktop.systemd1.LoadFailed'), 'LoadUnit x.service'), want: true },
    { name: '5 systemd rejects the job', error: translateDbusError(dbus('org.freedesktop.systemd1.JobTypeNotApplicable'), 'StartUnit x.service'), want: true },
    { name: '6 a transaction that conflicts (retryable, still this unit\'s)', error: translateDbusError(dbus('org.freedesktop.systemd1.TransactionJobsConflicting'), 'StartUnit x.service'), want: true },
    { name: '7 [Install] refused', error: enableFailedError('x.service', translateDbusError(dbus('org.freedesktop.systemd1.BadUnitSetting'), 'EnableUnitFiles')), want: true },
    { name: '8 access denied for the unit', error: translateDbusError(dbus('org.freedesktop.DBus.Error.AccessDenied'), 'StartUnit x.service'), want: true },
    { name: '9 an error systemd has no rule for', error: translateDbusError(dbus('org.freedesktop.DBus.Error.Failed'), 'LinkUnitFiles'), want: true },
    { name: '10 not a SystemdError at all', error: new Error('no desired text for x.service'), want: true },
    { name: '11 systemd unavailable', error: new SystemdError('SYSTEMD_UNAVAILABLE', 'not connected to systemd', { retryable: true }), want: false },
    { name: '12 no reply in time', error: new SystemdError('SYSTEMD_TIMEOUT', 'systemd StartUnit x.service: no reply within 15000 ms', { retryable: true }), want: false },
    { name: '13 the bus socket reset', error: translateDbusError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'StartUnit x.service'), want: false },
    { name: '14 systemd shutting down', error: translateDbusError(dbus('org.freedesktop.systemd1.ShuttingDown'), 'StartUnit x.service'), want: false },
    { name: '15 an enable that timed out: the cause decides', error: enableFailedError('x.service', new SystemdError('SYSTEMD_TIMEOUT', 'no reply', { retryable: true })), want: false },
    { name: '16 a unit\'s own error, but the connection has closed since', error: errno('ENAMETOOLONG'), busClosed: true, want: false },
  ])('$name', ({ error, busClosed, want }) => {
    expect(isUnitFault(error, busClosed)).toBe(want);
  });
});
