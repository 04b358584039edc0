/** Failed registry calls are reported, successful ones and sync members pass through (real etcd). */
import { RegistryTimeoutError, RegistryUnavailableError } from '@flotilla/core';
import { EtcdRegistry } from '@flotilla/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { withRequestErrorReports } from './error-reporting-registry.js';

let etcd: EtcdHandle;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

test('a call to a stopped etcd is reported once with its typed error; answers are not', async () => {
  const raw = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: `/err-report-${process.pid}/`, requestTimeoutMs: 1500 });
  const reported: unknown[] = [];
  const registry = withRequestErrorReports(raw, (err) => reported.push(err));
  try {
    expect(await registry.listStates()).toEqual([]);
    expect(registry.keyspace).toBe(raw.keyspace);
    await etcd.stop();
    const err = await registry.listStates().then(() => undefined, (e: unknown) => e);
    expect(err instanceof RegistryTimeoutError || err instanceof RegistryUnavailableError).toBe(true);
    expect(reported).toEqual([err]);
  } finally {
    await raw.close();
  }
});
