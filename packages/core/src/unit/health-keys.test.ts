import { describe, expect, test } from 'vitest';
import type { UnitOption } from '../model.js';
import { healthCheckConfig } from './health-keys.js';

const x = (name: string, value: string): UnitOption => ({ section: 'X-Flotilla', name, value });
const defaults = { intervalMs: 10_000, timeoutMs: 2_000, retries: 3, restart: true };

function outcome(options: UnitOption[]): unknown {
  try {
    return healthCheckConfig('web.service', options);
  } catch (err) {
    return { code: (err as { code: string }).code, message: (err as Error).message };
  }
}

describe('healthCheckConfig', () => {
  test.each<[string, UnitOption[], unknown]>([
    ['no keys → no checks', [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }], undefined],
    ['empty HealthCheck= → no checks', [x('HealthCheck', '')], undefined],
    ['http with defaults', [x('HealthCheck', 'http://127.0.0.1:8080/healthz')], { probe: { kind: 'http', url: 'http://127.0.0.1:8080/healthz' }, ...defaults }],
    ['tcp', [x('HealthCheck', 'tcp:localhost:5432')], { probe: { kind: 'tcp', host: 'localhost', port: 5432 }, ...defaults }],
    ['tcp ipv6', [x('HealthCheck', 'tcp:[::1]:22')], { probe: { kind: 'tcp', host: '::1', port: 22 }, ...defaults }],
    ['exec with args', [x('HealthCheck', 'exec:/usr/bin/test -f /run/ok')], { probe: { kind: 'exec', argv: ['/usr/bin/test', '-f', '/run/ok'] }, ...defaults }],
    [
      'all keys set, spans in systemd units',
      [x('HealthCheck', 'tcp:10.0.0.1:80'), x('HealthInterval', '1m30s'), x('HealthTimeout', '500ms'), x('HealthRetries', '5'), x('HealthRestart', 'no')],
      { probe: { kind: 'tcp', host: '10.0.0.1', port: 80 }, intervalMs: 90_000, timeoutMs: 500, retries: 5, restart: false },
    ],
    ['bare number is seconds; last value wins', [x('HealthCheck', 'tcp:h:1'), x('HealthInterval', '3'), x('HealthInterval', '2')], { probe: { kind: 'tcp', host: 'h', port: 1 }, ...defaults, intervalMs: 2000 }],
    ['other sections ignored', [{ section: 'Service', name: 'HealthCheck', value: 'junk' }], undefined],
    ['keys without HealthCheck=', [x('HealthRetries', '2')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: Health* keys without HealthCheck=' }],
    ['unknown scheme', [x('HealthCheck', 'ftp://h/')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthCheck=ftp://h/: expected http://…, tcp:HOST:PORT or exec:/path' }],
    ['tcp without port', [x('HealthCheck', 'tcp:host')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthCheck=tcp:host: expected tcp:HOST:PORT' }],
    ['tcp port out of range', [x('HealthCheck', 'tcp:h:70000')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthCheck=tcp:h:70000: expected tcp:HOST:PORT' }],
    ['exec relative path', [x('HealthCheck', 'exec:true')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthCheck=exec:true: expected exec:/absolute/path args' }],
    ['bad span', [x('HealthCheck', 'tcp:h:1'), x('HealthTimeout', 'soon')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthTimeout=soon: not a time span' }],
    ['unknown span unit', [x('HealthCheck', 'tcp:h:1'), x('HealthInterval', '5d')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthInterval=5d: unknown unit "d"' }],
    ['a span unit named like an Object.prototype member', [x('HealthCheck', 'tcp:h:1'), x('HealthInterval', '5constructor')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthInterval=5constructor: unknown unit "constructor"' }],
    ['zero span', [x('HealthCheck', 'tcp:h:1'), x('HealthInterval', '0')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthInterval=0: must be more than 0' }],
    ['retries 0', [x('HealthCheck', 'tcp:h:1'), x('HealthRetries', '0')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthRetries=0: expected a whole number from 1 to 1000' }],
    ['restart maybe', [x('HealthCheck', 'tcp:h:1'), x('HealthRestart', 'maybe')], { code: 'HEALTH_CHECK_CONFIG', message: 'web.service: HealthRestart=maybe: expected yes or no' }],
  ])('%s', (_name, options, expected) => {
    expect(outcome(options)).toEqual(expected);
  });
});
