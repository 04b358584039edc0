import { ConflictError, RegistryTimeoutError, RegistryUnavailableError, UnitNotFoundError } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { etcdErrorCode, onEtcdRequestError, reportEtcdRequestError } from './etcd-errors.js';
import { OpsMetrics } from './ops-metrics.js';

const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });

describe('etcdErrorCode', () => {
  test.each<{ name: string; err: unknown; want: string | undefined }>([
    { name: 'timeout', err: new RegistryTimeoutError('snapshot', 5000), want: 'REGISTRY_TIMEOUT' },
    { name: 'unavailable', err: new RegistryUnavailableError(['http://e:2379']), want: 'REGISTRY_UNAVAILABLE' },
    { name: 'a lost race was answered by etcd', err: new ConflictError('destroy x'), want: undefined },
    { name: 'a domain answer is no request error', err: new UnitNotFoundError('x.service'), want: undefined },
    { name: 'an abort is no failure', err: abort, want: undefined },
    { name: 'anything else is unknown', err: new Error('grpc boom'), want: 'UNKNOWN' },
  ])('$name', ({ err, want }) => {
    expect(etcdErrorCode(err)).toBe(want);
  });
});

test('reported errors reach listening metrics once, by code, and stop after unsubscribe', async () => {
  const m = new OpsMetrics();
  const off = onEtcdRequestError((err) => m.recordEtcdError(err));
  const timeout = new RegistryTimeoutError('listStates', 5000);
  reportEtcdRequestError(timeout);
  m.recordEtcdError(timeout); // the same failure also seen by a health read: counted once
  reportEtcdRequestError(new UnitNotFoundError('x.service'));
  off();
  reportEtcdRequestError(new RegistryTimeoutError('snapshot', 5000));
  const lines = (await m.render()).split('\n').filter((l) => l.startsWith('flotilla_etcd_request_errors_total'));
  expect(lines).toEqual(['flotilla_etcd_request_errors_total{code="REGISTRY_TIMEOUT"} 1']);
});
