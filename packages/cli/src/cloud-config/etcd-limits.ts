/**
 * The limits the shipped master's etcd runs with, set as etcd's maintenance guide says
 * (etcd.io/docs/v3.4/op-guide/maintenance: "Space quota", "History compaction"), and used by the scheduler-scale
 * bench too (docs/cloud-config.md, "etcd's limits"):
 * - `--quota-backend-bytes` 8 GiB: etcd's default is 2 GiB and 8 GiB its suggested maximum (`MaxQuotaBytes`); a
 *   million units with their placements and history fit, with room before the NOSPACE alarm.
 * - `--auto-compaction-retention` 1 hour (periodic): without compaction the history of every write stays until the
 *   quota is full. Watches that fall behind a compaction re-read (docs/registry.md, "Watches").
 * - `--max-txn-ops` 128, etcd's default, stated: the registry packs its transactions to exactly this
 *   (`MAX_TXN_OPS`, registry/schedule-batch.ts); a lower value would refuse them.
 */
export const ETCD_QUOTA_BACKEND_BYTES = 8 * 1024 ** 3;
export const ETCD_AUTO_COMPACTION_RETENTION = '1h';
export const ETCD_MAX_TXN_OPS = 128;

export const ETCD_LIMIT_FLAGS: readonly string[] = [
  `--quota-backend-bytes=${ETCD_QUOTA_BACKEND_BYTES}`,
  '--auto-compaction-mode=periodic',
  `--auto-compaction-retention=${ETCD_AUTO_COMPACTION_RETENTION}`,
  `--max-txn-ops=${ETCD_MAX_TXN_OPS}`,
];
