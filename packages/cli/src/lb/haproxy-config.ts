/**
 * Renders HAProxy's configuration for one HTTP frontend balancing over the published endpoints of units whose
 * name starts with a prefix (docs/scenarios.md). Pure: the same endpoints always give the same text (sorted by
 * unit, then machine), so an unchanged set never causes a reload.
 */
import type { EndpointRecord } from '@flotilla/core';

/** `http` (default) balances requests; `tcp` balances connections (a database, docs/compose.md). */
export type LbMode = 'http' | 'tcp';
export const LB_MODES: readonly LbMode[] = ['http', 'tcp'];

export interface LbSpec {
  /** Unit-name prefix selecting the backends, e.g. `app@`. */
  prefix: string;
  mode?: LbMode;
  /** `host:port` the frontend binds. */
  listen: string;
}

/** HAProxy names allow letters, digits, `-_.:`; `app@1.service` on machine 1a2b… → `app-1.service-1a2b3c4d`. */
export function serverName(e: EndpointRecord): string {
  return `${e.unit.replace(/[^A-Za-z0-9_.:-]/g, '-')}-${e.machineId.slice(0, 8)}`;
}

export function selectEndpoints(endpoints: readonly EndpointRecord[], prefix: string): EndpointRecord[] {
  return endpoints
    .filter((e) => e.unit.startsWith(prefix))
    .sort((a, b) => a.unit.localeCompare(b.unit) || a.machineId.localeCompare(b.machineId));
}

export function renderHaproxyConfig(spec: LbSpec, endpoints: readonly EndpointRecord[]): string {
  // A server found down (an instance without health checks is published when systemd calls it active, a moment
  // before it listens) is checked again every 250 ms, so it serves within a quarter second of listening.
  const servers = selectEndpoints(endpoints, spec.prefix).map(
    (e) => `  server ${serverName(e)} ${e.ip}:${e.port} check inter 1s downinter 250ms fall 1 rise 1`,
  );
  return [
    '# Rendered by `flotilla lb haproxy`; rewritten on every endpoint change.',
    'global',
    '  maxconn 4096',
    '',
    'defaults',
    `  mode ${spec.mode ?? 'http'}`,
    // An instance stopped by a deployment refuses or drops requests until its endpoint is withdrawn: retry them on
    // another server (every retry redispatches); over HTTP also a dropped idempotent request (docs/deployments.md).
    '  option redispatch 1',
    '  retries 3',
    ...(spec.mode === 'tcp' ? [] : ['  retry-on conn-failure empty-response response-timeout']),
    '  timeout connect 2s',
    '  timeout client 30s',
    '  timeout server 30s',
    // A TCP client (a database's) may sit idle between queries far longer than an HTTP one; the last value wins.
    ...(spec.mode === 'tcp' ? ['  timeout client 1h', '  timeout server 1h'] : []),
    '',
    'frontend flotilla',
    `  bind ${spec.listen}`,
    '  default_backend units',
    '',
    'backend units',
    '  balance roundrobin',
    ...(spec.mode === 'tcp' ? [] : ['  http-request disable-l7-retry if !METH_GET !METH_HEAD']),
    ...servers,
    '',
  ].join('\n');
}
