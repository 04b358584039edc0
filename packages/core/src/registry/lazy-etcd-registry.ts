/**
 * The public `EtcdRegistry`: the same `connect` and instance type as registry/etcd-registry.ts, but the registry's
 * modules are imported only when a connection is actually made, so commands that never talk to etcd (the CLI's API
 * driver, `version`, `help`) do not load them (docs/fleetctl-compat.md, cold start). etcd3 (gRPC, protobufjs) loads
 * only with the grpc transport (transport.ts).
 */
import type { EtcdRegistry as EtcdBackedRegistry } from './etcd-registry.js';
import type { RegistryOptions } from './types.js';

export type EtcdRegistry = EtcdBackedRegistry;

export const EtcdRegistry = {
  /** Connects and checks etcd answers within requestTimeoutMs (RegistryUnavailableError otherwise). */
  async connect(options: RegistryOptions): Promise<EtcdRegistry> {
    const { EtcdRegistry: Impl } = await import('./etcd-registry.js');
    return Impl.connect(options);
  },
};
