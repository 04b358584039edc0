/**
 * The limits the shipped master's etcd runs with, set as etcd's maintenance guide says
 * (etcd.io/docs/v3.4/op-guide/maintenance: "Space quota", "History compaction"), and used by the scheduler-scale
 * bench too (docs/cloud-config.md, "etcd's limits"):
 * - `--quota-backend-bytes` 8 GiB: etcd's default is 2 GiB and 8 GiB its suggested maximum (`MaxQuotaBytes`); a
 *   million units with their placements and history fit, with room before the NOSPACE alarm.
 * - `--auto-compaction-retention` 1 hour (periodic): without compaction the history of every write stays until the
 *   quota is full. Watches that fall behind a compaction re-read (docs/registry.md, "Watches").
 * - `--max-txn-ops` 512 (etcd's default is 128): the leader packs its placement transactions to it (the daemon's
 *   FLOTILLA_ETCD_MAX_TXN_OPS, set alike on nodes that may lead); 512-operation transactions placed 100,000 units
 *   ~1.2x as fast as 128-operation ones on the 2-core bench box (docs/benchmarks.md, "Placement transactions of
 *   512"). Every other transaction of the registry stays within etcd's default.
 */
export const ETCD_QUOTA_BACKEND_BYTES = 8 * 1024 ** 3;
export const ETCD_AUTO_COMPACTION_RETENTION = '1h';
export const ETCD_MAX_TXN_OPS = 512;

export const ETCD_LIMIT_FLAGS: readonly string[] = [
  `--quota-backend-bytes=${ETCD_QUOTA_BACKEND_BYTES}`,
  '--auto-compaction-mode=periodic',
  `--auto-compaction-retention=${ETCD_AUTO_COMPACTION_RETENTION}`,
  `--max-txn-ops=${ETCD_MAX_TXN_OPS}`,
];
