/** Builds the etcd3 client from RegistryOptions: deadlines, fault handling, TLS and auth passed through. */
import { Etcd3, type IOptions } from 'etcd3';
import type { RegistryOptions } from './types.js';
import { faultHandling } from './fault-policy.js';

export { DEFAULT_REQUEST_TIMEOUT_MS } from './defaults.js';

/**
 * `dedicatedConnection`: a TCP connection of its own (grpc-js otherwise shares one subchannel between clients of one
 * target). The registry keeps leases and the election on such a client, so their keepalives never queue behind
 * bulk transactions and watch traffic.
 */
export function createEtcdClient(options: RegistryOptions, requestTimeoutMs: number, dedicatedConnection = false): Etcd3 {
  const clientOptions: IOptions = {
    hosts: options.endpoints,
    dialTimeout: requestTimeoutMs,
    // Every unary call gets a gRPC deadline; streams (watch, lease keepalive) live until cancelled.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + requestTimeoutMs }),
    faultHandling: faultHandling(options.endpoints.length),
    grpcOptions: {
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 2000,
      // Detect dead connections under long-lived watches; etcd tolerates pings every 5 s or more.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5000,
      'grpc.keepalive_permit_without_calls': 1,
      ...(dedicatedConnection ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
    },
  };
  const tls = options.tls;
  if (tls && (tls.ca || tls.cert || tls.key)) {
    clientOptions.credentials = {
      // grpc's createSsl takes null for "use the system roots"; etcd3's type insists on a Buffer.
      rootCertificate: tls.ca ?? (null as unknown as Buffer),
      ...(tls.key ? { privateKey: tls.key } : {}),
      ...(tls.cert ? { certChain: tls.cert } : {}),
    };
  }
  if (options.auth) {
    clientOptions.auth = {
      username: options.auth.username,
      password: options.auth.password,
      callOptions: () => ({ deadline: Date.now() + requestTimeoutMs }),
    };
  }
  return new Etcd3(clientOptions);
}
