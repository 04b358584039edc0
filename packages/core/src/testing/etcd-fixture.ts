/**
 * The registry tests' common set-up: one real etcd per file (or describe block), a fresh EtcdRegistry on its own
 * key prefix per test (or, with `per: 'file'`, one for the whole file), both closed afterwards. Registers vitest
 * hooks where it is called; hands the handles to the caller's variables through `use`.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { EtcdRegistry } from '../registry/etcd-registry.js';
import type { RegistryOptions } from '../registry/types.js';
import { freshPrefix } from './registry-fixtures.js';

export type FixtureScope = 'test' | 'file';

/** Registers `setUp`/`tearDown` to run around each test, or once around the file's tests. */
export function around(per: FixtureScope, setUp: () => Promise<void>, tearDown: () => Promise<void>): void {
  (per === 'test' ? beforeEach : beforeAll)(setUp);
  (per === 'test' ? afterEach : afterAll)(tearDown);
}

/** One real etcd for the file's tests. */
export function useEtcd(use: (etcd: EtcdHandle) => void): void {
  let etcd: EtcdHandle | undefined;
  around('file', async () => {
    etcd = await startEtcd();
    use(etcd);
  }, async () => {
    await etcd?.stop();
  });
}

/** What a test opened (registries, proxies, schedulers, watches), closed after it, last opened first. */
export interface Cleanups {
  push(cleanup: () => Promise<unknown>): void;
}

/** A cleanup's failure is ignored: the test is over, and what it opened may already be closed. */
export function useCleanups(): Cleanups {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });
  return { push: (cleanup) => void cleanups.push(cleanup) };
}

export function useEtcdRegistry(
  use: { etcd?: (etcd: EtcdHandle) => void; registry: (registry: EtcdRegistry) => void },
  options: Partial<RegistryOptions> = {},
  per: FixtureScope = 'test',
): void {
  let etcd: EtcdHandle;
  let registry: EtcdRegistry | undefined;
  useEtcd((e) => {
    etcd = e;
    use.etcd?.(e);
  });
  around(per, async () => {
    registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), ...options });
    use.registry(registry);
  }, async () => {
    await registry?.close();
  });
}
