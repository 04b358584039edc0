/**
 * The public `EtcdRegistry`: the same `connect` and instance type as registry/etcd-registry.ts, but etcd3 (with
 * gRPC and protobufjs, ~155 ms to load) is imported only when a connection is actually made. Commands that never
 * talk to etcd (the CLI's API driver, `version`, `help`) no longer pay for it (issue 7).
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
