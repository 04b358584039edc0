/**
 * The agent's API listeners from the environment, pure:
 *   FLOTILLA_API_SOCKET   unix socket paths, comma-separated (default /var/run/flotilla.sock; fleet's
 *                         /var/run/fleet.sock works too; `none` disables)
 *   FLOTILLA_API_LISTEN   host:port for TCP (e.g. 0.0.0.0:54728); unset = no TCP
 *   FLOTILLA_API_TOKEN / FLOTILLA_API_TOKEN_FILE   bearer token required on TCP
 *   FLOTILLA_API_TLS_CERT, FLOTILLA_API_TLS_KEY    serve TCP over TLS (files)
 *   FLOTILLA_API_TLS_CA   CA for client certificates (a verified client certificate also authenticates)
 *   FLOTILLA_API_INSECURE=1   serve TCP without either (refused otherwise; logged as a warning)
 *
 * A TCP listener needs a token or client certificates: the API starts, stops and destroys units on every machine,
 * and an agent's port is reachable by anything on its network (Nomad's production guide asks for ACLs and mTLS
 * for the same reason). The unix socket is guarded by its file mode instead (docs/api.md).
 */
import { DaemonConfigError } from './config-error.js';

export const DEFAULT_API_SOCKET = '/var/run/flotilla.sock';

export interface ApiConfig {
  sockets: string[];
  tcp?: { host: string; port: number };
  token?: string;
  tokenFile?: string;
  tls?: { certFile: string; keyFile: string; caFile?: string };
  /** TCP without a token or client certificates, accepted because FLOTILLA_API_INSECURE=1. */
  insecure?: true;
}

function parseListen(raw: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(raw.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new DaemonConfigError('FLOTILLA_API_LISTEN', `expected host:port (e.g. 0.0.0.0:54728), got "${raw}"`);
  }
  return { host: match[1] ?? (match[2] || '0.0.0.0'), port };
}

function parseTls(env: NodeJS.ProcessEnv): ApiConfig['tls'] {
  const certFile = env.FLOTILLA_API_TLS_CERT || undefined;
  const keyFile = env.FLOTILLA_API_TLS_KEY || undefined;
  const caFile = env.FLOTILLA_API_TLS_CA || undefined;
  if (!certFile && !keyFile && !caFile) return undefined;
  if (!certFile || !keyFile) {
    throw new DaemonConfigError(certFile ? 'FLOTILLA_API_TLS_KEY' : 'FLOTILLA_API_TLS_CERT', 'TLS needs both FLOTILLA_API_TLS_CERT and FLOTILLA_API_TLS_KEY');
  }
  return { certFile, keyFile, ...(caFile ? { caFile } : {}) };
}

export function readApiConfig(env: NodeJS.ProcessEnv): ApiConfig {
  const socketSpec = env.FLOTILLA_API_SOCKET ?? DEFAULT_API_SOCKET;
  const sockets = socketSpec.trim() === 'none' ? [] : socketSpec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of sockets) {
    if (!s.startsWith('/')) throw new DaemonConfigError('FLOTILLA_API_SOCKET', `"${s}" is not an absolute path`);
  }
  const config: ApiConfig = { sockets };
  if (env.FLOTILLA_API_LISTEN) config.tcp = parseListen(env.FLOTILLA_API_LISTEN);
  if (env.FLOTILLA_API_TOKEN) config.token = env.FLOTILLA_API_TOKEN;
  if (env.FLOTILLA_API_TOKEN_FILE) config.tokenFile = env.FLOTILLA_API_TOKEN_FILE;
  const tls = parseTls(env);
  if (tls) config.tls = tls;
  if (!config.tcp && (config.token || config.tokenFile || config.tls)) {
    throw new DaemonConfigError('FLOTILLA_API_LISTEN', 'a token or TLS was configured but no TCP listener; set FLOTILLA_API_LISTEN');
  }
  const insecure = insecureOptIn(env);
  if (config.tcp && !config.token && !config.tokenFile && !config.tls?.caFile) {
    if (!insecure) {
      throw new DaemonConfigError('FLOTILLA_API_LISTEN', `${listenText(config.tcp)} would serve the API without authentication; set FLOTILLA_API_TOKEN_FILE (or ` +
        'FLOTILLA_API_TOKEN) or client certificates (FLOTILLA_API_TLS_CERT, _KEY and _CA), or FLOTILLA_API_INSECURE=1 to accept the risk');
    }
    config.insecure = true;
  }
  return config;
}

function insecureOptIn(env: NodeJS.ProcessEnv): boolean {
  const raw = env.FLOTILLA_API_INSECURE;
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  throw new DaemonConfigError('FLOTILLA_API_INSECURE', `expected 1 or 0, got "${raw}"`);
}

function listenText(tcp: { host: string; port: number }): string {
  return `tcp://${tcp.host.includes(':') ? `[${tcp.host}]` : tcp.host}:${tcp.port}`;
}

/** What the agent logs as warnings at start: a TCP API anyone may use, or a token sent in clear text. */
export function apiSecurityWarnings(api: ApiConfig): string[] {
  if (!api.tcp) return [];
  const where = `the API on ${listenText(api.tcp)}`;
  if (api.insecure) {
    return [`FLOTILLA_API_INSECURE=1: ${where} takes requests without a token or client certificate; anyone who can reach it can ` +
      'submit, start, stop and destroy units on every machine of the cluster'];
  }
  if (!api.tls) return [`${where} checks its bearer token over plain HTTP: the token crosses the network in clear text (set FLOTILLA_API_TLS_CERT and FLOTILLA_API_TLS_KEY)`];
  return [];
}

/** The URL other machines and the CLI use for this agent's API: the public IP when listening on every address. */
export function apiUrlFor(tcp: { host: string; port: number }, publicIp: string, tls: boolean): string {
  const wildcard = tcp.host === '0.0.0.0' || tcp.host === '::' || tcp.host === '';
  const host = wildcard ? publicIp : tcp.host;
  return `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${tcp.port}`;
}
