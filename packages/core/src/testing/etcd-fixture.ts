/**
 * The registry tests' common set-up: one real etcd per file (or describe block), a fresh EtcdRegistry on its own
 * key prefix per test, both closed afterwards. Registers vitest hooks where it is called; hands the handles to
 * the caller's variables through `use`.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { EtcdRegistry } from '../registry/etcd-registry.js';
import type { RegistryOptions } from '../registry/types.js';
import { freshPrefix } from './registry-fixtures.js';

export function useEtcdRegistry(
  use: { etcd?: (etcd: EtcdHandle) => void; registry: (registry: EtcdRegistry) => void },
  options: Partial<RegistryOptions> = {},
): void {
  let etcd: EtcdHandle | undefined;
  let registry: EtcdRegistry | undefined;
  beforeAll(async () => {
    etcd = await startEtcd();
    use.etcd?.(etcd);
  });
  afterAll(async () => {
    await etcd?.stop();
  });
  beforeEach(async () => {
    registry = await EtcdRegistry.connect({ endpoints: etcd!.endpoints, prefix: freshPrefix(), ...options });
    use.registry(registry);
  });
  afterEach(async () => {
    await registry?.close();
  });
}
