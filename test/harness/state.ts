/**
 * Every cluster the harness makes records what it created in `<clusters>/<id>/state.json`, step by step, so that
 * teardown works from the file alone: after a crash, from `npm run down`, or from the test run's global sweep.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CLUSTERS_DIR = process.env.FLOTILLA_CLUSTERS_DIR ?? '/var/lib/flotilla/clusters';

export interface MachineState {
  name: string;
  ip: string;
  machineId: string;
  dir: string;
  merged: string;
  nspawnPid?: number;
  leaderPid?: number;
}

export interface ClusterState {
  id: string;
  /** `npm run up` clusters outlive their creator; test clusters are swept when their owner is gone. */
  persistent: boolean;
  ownerPid: number;
  /** The vitest run that made it (FLOTILLA_TEST_RUN), so a run's teardown sweeps only its own clusters. */
  runId?: string;
  dir: string;
  bridge?: string;
  hostIp?: string;
  subnet?: string;
  iptablesRules: string[][];
  etcdPids: number[];
  etcdEndpoints: string[];
  /** etcd endpoint machines reach (on the bridge). */
  etcdBridgeEndpoint?: string;
  /** Every member's endpoint on the bridge, for an etcd of several members (the agents are given them all). */
  etcdBridgeEndpoints?: string[];
  /** The cluster's PKI (`flotilla pki init`), inside `dir`; set once it exists. */
  pkiDir?: string;
  /** etcd serves TLS with client certificates and auth (ClusterOptions.secure). */
  secure?: boolean;
  machines: MachineState[];
  dockerdPid?: number;
}

export function clusterDir(id: string): string {
  return path.join(CLUSTERS_DIR, id);
}

export function saveState(state: ClusterState): void {
  fs.mkdirSync(state.dir, { recursive: true });
  const file = path.join(state.dir, 'state.json');
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2));
  fs.renameSync(`${file}.tmp`, file);
}

export function loadState(id: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(clusterDir(id), 'state.json'), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

export function listClusterIds(): string[] {
  try {
    return fs.readdirSync(CLUSTERS_DIR).filter((name) => fs.existsSync(path.join(CLUSTERS_DIR, name, 'state.json')));
  } catch {
    return [];
  }
}
