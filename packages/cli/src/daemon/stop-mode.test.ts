import { describe, expect, test } from 'vitest';
import { decideStopMode, resolveStopMode, type StopModeFacts } from './stop-mode.js';

/** An agent under systemd, Restart=always (the shipped flotilla-agent.service), with the given changes. */
const facts = (over: Partial<StopModeFacts> = {}): StopModeFacts => ({ setting: 'auto', underSystemd: true, restartSetting: 'always', ...over });

describe('decideStopMode', () => {
  test.each([
    { name: 'systemctl restart', facts: facts({ jobType: 'restart' }), mode: 'restart', reason: 'systemd restart job' },
    { name: 'try-restart', facts: facts({ jobType: 'try-restart' }), mode: 'restart', reason: 'systemd try-restart job' },
    { name: 'reload-or-restart', facts: facts({ jobType: 'reload-or-restart' }), mode: 'restart', reason: 'systemd reload-or-restart job' },
    { name: 'reload-or-try-restart', facts: facts({ jobType: 'reload-or-try-restart' }), mode: 'restart', reason: 'systemd reload-or-try-restart job' },
    { name: 'restart job even with Restart=no', facts: facts({ jobType: 'restart', restartSetting: 'no' }), mode: 'restart', reason: 'systemd restart job' },
    { name: 'systemctl stop / shutdown', facts: facts({ jobType: 'stop' }), mode: 'leave', reason: 'systemd stop job (systemctl stop, or shutdown)' },
    { name: 'kill -TERM by hand, Restart=always', facts: facts(), mode: 'restart', reason: 'no systemd job, Restart=always: systemd starts the agent again' },
    { name: 'kill -TERM by hand, Restart=on-success', facts: facts({ restartSetting: 'on-success' }), mode: 'restart', reason: 'no systemd job, Restart=on-success: systemd starts the agent again' },
    { name: 'kill -TERM by hand, Restart=no', facts: facts({ restartSetting: 'no' }), mode: 'leave', reason: 'no systemd job, Restart=no: systemd does not start the agent again after a clean exit' },
    { name: 'kill -TERM by hand, Restart=on-failure (a clean exit is no failure)', facts: facts({ restartSetting: 'on-failure' }), mode: 'leave', reason: 'no systemd job, Restart=on-failure: systemd does not start the agent again after a clean exit' },
    { name: 'another job (a reload running), Restart=always', facts: facts({ jobType: 'reload' }), mode: 'restart', reason: 'systemd reload job, Restart=always: systemd starts the agent again' },
    { name: 'not a service (started from a shell)', facts: facts({ underSystemd: false, restartSetting: undefined }), mode: 'leave', reason: 'not running as a systemd service' },
    { name: 'systemd unreachable', facts: facts({ underSystemd: false, error: 'connect: ENOENT' }), mode: 'leave', reason: 'cannot ask systemd (connect: ENOENT)' },
    { name: 'override restart beats a stop job', facts: facts({ setting: 'restart', jobType: 'stop' }), mode: 'restart', reason: 'FLOTILLA_STOP_MODE=restart' },
    { name: 'override leave beats a restart job', facts: facts({ setting: 'leave', jobType: 'restart' }), mode: 'leave', reason: 'FLOTILLA_STOP_MODE=leave' },
  ])('$name → $mode', ({ facts, mode, reason }) => {
    expect(decideStopMode(facts)).toEqual({ mode, reason });
  });
});

describe('resolveStopMode', () => {
  const never = () => new Promise<never>(() => {});
  test.each([
    { name: 'restart job', setting: 'auto' as const, read: async () => ({ unit: 'flotilla-agent.service', jobType: 'restart', restart: 'always' }),
      want: { mode: 'restart', reason: 'systemd restart job', unit: 'flotilla-agent.service' } },
    { name: 'a login session scope', setting: 'auto' as const, read: async () => ({ unit: 'session-3.scope' }),
      want: { mode: 'leave', reason: 'not running as a systemd service', unit: 'session-3.scope' } },
    { name: 'the adapter fails', setting: 'auto' as const, read: async () => Promise.reject(new Error('systemd GetUnitByPID 7: no unit')),
      want: { mode: 'leave', reason: 'cannot ask systemd (systemd GetUnitByPID 7: no unit)' } },
    { name: 'no answer in time', setting: 'auto' as const, read: never,
      want: { mode: 'leave', reason: 'cannot ask systemd (no answer within 20 ms)' } },
    { name: 'an override asks nothing', setting: 'restart' as const, read: () => Promise.reject(new Error('must not be called')),
      want: { mode: 'restart', reason: 'FLOTILLA_STOP_MODE=restart' } },
  ])('$name', async ({ setting, read, want }) => {
    expect(await resolveStopMode(setting, read, 20)).toEqual(want);
  });
});
