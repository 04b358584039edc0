/**
 * Turns the API config into listener specs (reading the token and TLS files) and starts the server. The
 * introspection is looked up lazily, because the agent starts after the API (it needs the API's URL).
 */
import fs from 'node:fs';
import { startApiServer, type ApiIntrospection, type ApiServer, type ApiServerOptions, type ListenSpec } from '@flotilla/api';
import type { Logger } from 'pino';
import { apiSecurityWarnings, type ApiConfig } from './api-config.js';
import { DaemonConfigError } from './config-error.js';

function readFile(key: string, file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new DaemonConfigError(key, `cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export function listenSpecs(api: ApiConfig): ListenSpec[] {
  const specs: ListenSpec[] = api.sockets.map((path) => ({ kind: 'unix', path }));
  if (api.tcp) {
    const tls = api.tls && {
      cert: readFile('FLOTILLA_API_TLS_CERT', api.tls.certFile),
      key: readFile('FLOTILLA_API_TLS_KEY', api.tls.keyFile),
      ...(api.tls.caFile ? { ca: readFile('FLOTILLA_API_TLS_CA', api.tls.caFile) } : {}),
    };
    specs.push({ kind: 'tcp', host: api.tcp.host, port: api.tcp.port, ...(tls ? { tls } : {}) });
  }
  return specs;
}

export function apiToken(api: ApiConfig): string | undefined {
  if (api.token) return api.token;
  if (!api.tokenFile) return undefined;
  const token = readFile('FLOTILLA_API_TOKEN_FILE', api.tokenFile).toString('utf8').trim();
  if (token === '') throw new DaemonConfigError('FLOTILLA_API_TOKEN_FILE', `${api.tokenFile} is empty`);
  return token;
}

export interface DaemonApi {
  server: ApiServer;
  /** Call once the agent runs: requests stop getting 503 and status/journal are served. */
  attach(introspect: ApiIntrospection | undefined): void;
}

export async function startDaemonApi(api: ApiConfig, registry: ApiServerOptions['registry'], logger: Logger, version: string): Promise<DaemonApi> {
  let introspect: ApiIntrospection | undefined;
  let ready = false;
  const token = apiToken(api);
  for (const warning of apiSecurityWarnings(api)) logger.warn({ listen: api.tcp, insecure: api.insecure ?? false }, warning);
  const server = await startApiServer({
    registry,
    logger,
    version,
    listen: listenSpecs(api),
    ...(token ? { token } : {}),
    ready: () => ready,
    introspect: {
      unitStatus: (name) => (introspect ? introspect.unitStatus(name) : Promise.reject(new Error('agent not started'))),
      unitJournal: (name, opts) => {
        if (!introspect) throw new Error('agent not started');
        return introspect.unitJournal(name, opts);
      },
    },
  });
  return {
    server,
    attach(i) {
      introspect = i;
      ready = true;
    },
  };
}
