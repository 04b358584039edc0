/**
 * A cluster for scenario tests: startCluster, a registry client on its etcd, and a wait until every machine's
 * agent has registered (and, with `leader`, a scheduler is elected). If that wait fails the cluster is torn
 * down before the error propagates, so a failed set-up leaves nothing behind.
 */
import { EtcdRegistry } from '@flotilla/core';
import { startCluster, type Cluster, type ClusterOptions } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';

export interface RegisteredCluster {
  cluster: Cluster;
  registry: EtcdRegistry;
  /** Closes the registry client and tears the cluster down. */
  stop(): Promise<void>;
}

export async function startRegisteredCluster(opts: ClusterOptions & { leader?: boolean; timeoutMs?: number }): Promise<RegisteredCluster> {
  const cluster = await startCluster(opts);
  let registry: EtcdRegistry | undefined;
  const stop = async () => {
    await registry?.close();
    await cluster.stop();
  };
  try {
    registry = await EtcdRegistry.connect(cluster.registryOptions);
    const connected = registry;
    const what = `${opts.machines} agents${opts.leader ? ' and a leader' : ''}`;
    await waitUntil(
      what,
      async () => ((await connected.listMachines()).length === opts.machines && (!opts.leader || (await connected.currentLeader())) ? true : undefined),
      { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250 },
    );
    return { cluster, registry: connected, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
