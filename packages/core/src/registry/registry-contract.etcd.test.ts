/** The registry contract against EtcdRegistry on a real etcd (a fresh key prefix per test). */
import { useEtcdRegistry } from '../testing/etcd-fixture.js';
import type { EtcdRegistry } from './etcd-registry.js';
import { registryContract } from '../testing/registry-contract.js';
import { deploymentContract } from '../testing/deployment-contract.js';

let registry: EtcdRegistry;
useEtcdRegistry({ registry: (r) => (registry = r) });

registryContract('etcd', () => registry);
deploymentContract('etcd', () => registry);
