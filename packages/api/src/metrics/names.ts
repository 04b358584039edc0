/**
 * Every metric Flotilla exports, with Prometheus naming: `flotilla_` namespace, base units (seconds), `_total`
 * on counters, label values from small closed sets. One table, so names are reviewed in one place.
 */
export const METRICS = {
  units: { name: 'flotilla_units', help: 'Units by health (ok, inactive, pending, failed, unscheduled, lost), as this agent last read the cluster', labels: ['health'] },
  machines: { name: 'flotilla_machines', help: 'Machines by status (up, down)', labels: ['status'] },
  machineScheduling: {
    name: 'flotilla_machine_scheduling_state',
    help: 'Each up machine\'s scheduling state (schedulable, cordoned, draining, drained): one series per machine, 1, labelled with the current state',
    labels: ['machine', 'state'],
  },
  leader: { name: 'flotilla_scheduler_leader', help: '1 when the cluster has an elected scheduler, else 0', labels: [] },
  leaderChanges: { name: 'flotilla_scheduler_leader_changes_total', help: 'Changes of the elected scheduler seen by this agent', labels: [] },
  placementLatency: { name: 'flotilla_placement_latency_seconds', help: 'Time from a unit wanting to run unplaced to its placement, as seen by this agent', labels: [] },
  reconcileDuration: { name: 'flotilla_reconcile_duration_seconds', help: 'Duration of this agent\'s reconcile passes', labels: [] },
  etcdErrors: { name: 'flotilla_etcd_request_errors_total', help: 'Failed etcd requests of this process (registry calls, health reads), by error code', labels: ['code'] },
  serviceReplicas: {
    name: 'flotilla_service_replicas',
    help: 'Each stored service\'s replica count (state="desired") and its numbered instances 1..count active in systemd (state="running")',
    labels: ['template', 'state'],
  },
  eventsLogged: { name: 'flotilla_cluster_events', help: 'Entries in the retained cluster event log read by this agent, by kind', labels: ['kind'] },
} as const;

export const UNIT_HEALTH_VALUES = ['ok', 'inactive', 'pending', 'failed', 'unscheduled', 'lost', 'unhealthy'] as const;
export const MACHINE_STATUS_VALUES = ['up', 'down'] as const;

/** Placement waits range from milliseconds (a free cluster) to a TTL plus a pass (failover). */
export const PLACEMENT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
export const RECONCILE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
