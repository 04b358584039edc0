/**
 * The cluster-wide views every agent serves: fleet's HTTP API v1 and the /v2 extensions, the health model,
 * the dashboard and the Prometheus metrics. Depends on core only; what the server needs of the machine it runs
 * on (unit status, journal) comes in as an `ApiIntrospection` the daemon passes (packages/cli/src/daemon/run.ts).
 * `flotilla health` imports `@flotilla/api/health` alone, so it loads neither the server nor prom-client.
 */
export * from './api/index.js';
export * from './health/index.js';
export { reportEtcdRequestError, etcdErrorCode } from './metrics/etcd-errors.js';
export { reconcileDuration } from './metrics/ops-metrics.js';
