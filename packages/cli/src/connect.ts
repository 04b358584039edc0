/**
 * Opens the registry for a command. Every registry call is additionally raced against the request timeout
 * (plus a grace period): the registry has its own deadlines, but a CLI must never hang on a dead endpoint.
 */
import fs from 'node:fs';
import { EtcdRegistry, RegistryTimeoutError, withDeadline, type RegistryOptions } from '@flotilla/core';
import { ApiRegistry } from './api/api-registry.js';
import { Transport } from './api/transport.js';
import type { CliConnection } from './cli-registry.js';
import { unreadableTlsFile } from './cli-errors.js';
import { openTokenCache } from './etcd-token-cache.js';
import type { GlobalOptions } from './global-options.js';

const GRACE_MS = 1000;

function readTlsFile(option: string, file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw unreadableTlsFile(option, file, err);
  }
}

export function registryOptions(g: GlobalOptions): RegistryOptions {
  const options: RegistryOptions = { endpoints: g.endpoints, prefix: g.prefix, requestTimeoutMs: g.requestTimeoutMs };
  const ca = readTlsFile('--ca-file', g.caFile);
  const cert = readTlsFile('--cert-file', g.certFile);
  const key = readTlsFile('--key-file', g.keyFile);
  if (g.etcdAuth) options.auth = g.etcdAuth;
  if (ca || cert || key) options.tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  return options;
}

/** Wraps every method so that its promise settles within `ms`. Watch callbacks are not affected. */
function boundCalls<R extends object>(registry: R, ms: number): R {
  return new Proxy(registry, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (!(result instanceof Promise)) return result;
        return withDeadline(result, ms, () => new RegistryTimeoutError(String(prop), ms));
      };
    },
  });
}

/** The API driver: only the first endpoint is used, as fleetctl. */
function openApi(g: GlobalOptions): CliConnection {
  const tls = registryOptions(g).tls;
  const transport = new Transport({
    endpoint: g.endpoints[0] as string,
    timeoutMs: g.requestTimeoutMs,
    ...(g.apiToken ? { token: g.apiToken } : {}),
    ...(tls ? { tls } : {}),
  });
  return { registry: new ApiRegistry(transport) };
}

export async function openRegistry(g: GlobalOptions): Promise<CliConnection> {
  if (g.ssh.tunnel) return openTunneled(g);
  if (g.driver === 'api') return openApi(g);
  const ms = g.requestTimeoutMs + GRACE_MS;
  // A command's reads share one connection: one TLS handshake (docs/benchmarks.md, "CLI cold start, third pass").
  const options: RegistryOptions = { ...registryOptions(g), oneConnection: true };
  // Commands only: a daemon keeps its token for its lifetime anyway (`flotilla lb` uses registryOptions alone).
  if (g.etcdAuth && g.etcdTokenCache) options.authTokenCache = openTokenCache(g.etcdTokenCache.file, g.etcdTokenCache.endpoints, g.etcdAuth);
  const registry = await withDeadline(
    EtcdRegistry.connect(options),
    ms,
    () => new RegistryTimeoutError('connect', ms),
  );
  const bound = boundCalls(registry, ms);
  return { registry: bound, ops: bound };
}

/** `--tunnel`: the same drivers, talking to local stand-ins that go through ssh (tunnel.ts); close ends the tunnel. */
async function openTunneled(g: GlobalOptions): Promise<CliConnection> {
  const { openTunnel } = await import('./tunnel.js');
  const tunnel = await openTunnel(g.ssh, g.endpoints);
  try {
    const opened = await openRegistry({ ...g, endpoints: tunnel.endpoints, ssh: { ...g.ssh, tunnel: undefined } as GlobalOptions['ssh'] });
    const registry = new Proxy(opened.registry, {
      get(target, prop, receiver) {
        if (prop !== 'close') return Reflect.get(target, prop, receiver);
        return async () => {
          try {
            await target.close();
          } finally {
            tunnel.close();
          }
        };
      },
    });
    return { ...opened, registry };
  } catch (err) {
    tunnel.close();
    throw err;
  }
}
