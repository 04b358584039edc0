export { startEtcd, type EtcdHandle, type EtcdMember, type EtcdOptions } from './etcd.js';
export { ensureImage, imageKey } from './image.js';
export { bootMachine, destroyMachine, Machine, type AgentSetup, type BootOptions } from './machines.js';
export { startCluster, teardownCluster, teardownClusterById, REPO_DIR, type Cluster, type ClusterOptions } from './cluster.js';
export { run, runOk, waitUntil, type ExecResult } from './exec.js';
export { sweepLeftovers } from './sweep.js';
