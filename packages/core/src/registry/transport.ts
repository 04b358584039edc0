/**
 * Which etcd transport a registry uses (docs/registry.md, "Transports"): `http` — etcd's JSON gateway over
 * node:http, the default (unless a client certificate with a CommonName is given), loads nothing heavy; `grpc` — etcd3 over gRPC, loaded only when chosen. The option
 * wins over FLOTILLA_ETCD_TRANSPORT, which wins over the default. `bulkTransport` (FLOTILLA_ETCD_BULK_TRANSPORT)
 * is what the leader's bulk work (snapshot pages, applySchedule batches, the cluster watch) uses; its port is
 * opened when the registry first wins the scheduler election, so a daemon that never leads never loads gRPC even
 * when bulk is 'grpc'.
 */
import { X509Certificate } from 'node:crypto';
import type { EtcdPort } from './etcd-port.js';
import { HttpPort } from './http-port.js';
import type { EtcdTransport, RegistryOptions } from './types.js';

const TRANSPORTS: readonly EtcdTransport[] = ['http', 'grpc'];

function parse(value: string | undefined, source: string): EtcdTransport | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(TRANSPORTS as readonly string[]).includes(value)) throw new RangeError(`${source}: unknown etcd transport "${value}" (http or grpc)`);
  return value as EtcdTransport;
}

/**
 * etcd's gateway refuses requests that present a client certificate with a CommonName (etcd ≥ 3.4.10: "CommonName
 * of client sending a request against gateway will be ignored"; CN-based auth only works over gRPC). A certificate
 * without one (what `flotilla pki init` issues to agents and the CLI) passes. One that cannot be read counts as
 * having one: gRPC, as before.
 */
function hasCommonName(pem: Buffer): boolean {
  try {
    return /^CN=/m.test(new X509Certificate(pem).subject);
  } catch {
    return true;
  }
}

/** The election lease's keepalive thread (lease-thread.ts) connects over HTTP, which loads nothing beyond Node (gRPC's
 * modules cost ~25 MiB in the thread), unless the client certificate keeps it off etcd's gateway. */
export function leaseThreadTransport(options: RegistryOptions): EtcdTransport {
  return options.tls?.cert && hasCommonName(options.tls.cert) ? 'grpc' : 'http';
}

export function chooseTransport(options: RegistryOptions, env: NodeJS.ProcessEnv = process.env): { transport: EtcdTransport; bulk: EtcdTransport } {
  const fallback: EtcdTransport = options.tls?.cert && hasCommonName(options.tls.cert) ? 'grpc' : 'http';
  const transport = options.transport ?? parse(env.FLOTILLA_ETCD_TRANSPORT, 'FLOTILLA_ETCD_TRANSPORT') ?? fallback;
  const bulk = options.bulkTransport ?? parse(env.FLOTILLA_ETCD_BULK_TRANSPORT, 'FLOTILLA_ETCD_BULK_TRANSPORT') ?? transport;
  return { transport, bulk };
}

/** Opens one port; `dedicatedConnection` gives it connections of its own (the lease port). */
export async function openPort(transport: EtcdTransport, options: RegistryOptions, timeoutMs: number, dedicatedConnection = false): Promise<EtcdPort> {
  if (transport === 'grpc') {
    const { GrpcPort } = await import('./grpc-port.js');
    return new GrpcPort(options, timeoutMs, dedicatedConnection);
  }
  // Each HttpPort has its own keep-alive agent, so the lease port never queues behind bulk requests.
  return new HttpPort({
    endpoints: options.endpoints,
    timeoutMs,
    ...(options.tls ? { tls: options.tls } : {}),
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.auth && options.authTokenCache ? { tokenCache: options.authTokenCache } : {}),
    ...(options.oneConnection ? { oneConnection: true } : {}),
  });
}
