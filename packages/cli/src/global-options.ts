/**
 * Global options: command line, then environment, then default (fleetctl's `getFlagsFromEnv`). Empty env
 * values are ignored.
 * Transport settings also read fleetctl's FLEETCTL_* names so an existing fleetctl environment works; the key
 * prefix does not, because fleet's keyspace (etcd v2, `/_coreos.com/fleet/`) is not ours.
 */
import os from 'node:os';
import path from 'node:path';
import { badOptionValue } from './cli-errors.js';

export type Driver = 'api' | 'etcd';

/** fleetctl's ssh settings (used by `ssh`). */
export interface SshOptions {
  user: string;
  /** Bastion `host[:port]` (`:22` appended when no port). */
  tunnel?: string;
  timeoutSec: number;
  knownHostsFile: string;
  strictHostKeyChecking: boolean;
}

export interface GlobalOptions {
  /** `api`: fleet's HTTP API (unix socket or TCP); `etcd`: the registry directly. */
  driver: Driver;
  endpoints: string[];
  /** Bearer token for the API driver on TCP. */
  apiToken?: string;
  prefix: string;
  requestTimeoutMs: number;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  ssh: SshOptions;
  /** etcd user/password auth (etcd driver). */
  etcdAuth?: { username: string; password: string };
  /** With etcd auth, unless FLOTILLA_ETCD_TOKEN_CACHE=off: the file etcd's auth token is kept in between commands,
   * and the endpoints it is filed under (the ones given, also through a tunnel: etcd-token-cache.ts). */
  etcdTokenCache?: { file: string; endpoints: string[] };
}

/** What commander hands us for the global flags (all optional strings). */
export interface RawGlobalOptions {
  driver?: string;
  apiToken?: string;
  endpoint?: string;
  etcdKeyPrefix?: string;
  requestTimeout?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  etcdUsername?: string;
  etcdPassword?: string;
  tunnel?: string;
  sshUsername?: string;
  sshTimeout?: string;
  knownHostsFile?: string;
  strictHostKeyChecking?: string;
  /** Not resolved: only report-error reads it (stack traces of unexpected errors). */
  debug?: boolean;
}

interface GlobalSpec {
  key: Exclude<keyof RawGlobalOptions, 'debug'>;
  env: string[];
  fallback?: string;
}

export const GLOBAL_SPECS: readonly GlobalSpec[] = [
  { key: 'driver', env: ['FLOTILLA_DRIVER', 'FLEETCTL_DRIVER'] },
  { key: 'apiToken', env: ['FLOTILLA_API_TOKEN', 'FLEETCTL_API_TOKEN'] },
  { key: 'endpoint', env: ['FLOTILLA_ENDPOINT', 'FLEETCTL_ENDPOINT'], fallback: 'http://127.0.0.1:2379' },
  { key: 'etcdKeyPrefix', env: ['FLOTILLA_ETCD_KEY_PREFIX'], fallback: '/flotilla/' },
  { key: 'requestTimeout', env: ['FLOTILLA_REQUEST_TIMEOUT', 'FLEETCTL_REQUEST_TIMEOUT'], fallback: '3' },
  { key: 'caFile', env: ['FLOTILLA_CA_FILE', 'FLEETCTL_CA_FILE'] },
  { key: 'certFile', env: ['FLOTILLA_CERT_FILE', 'FLEETCTL_CERT_FILE'] },
  { key: 'keyFile', env: ['FLOTILLA_KEY_FILE', 'FLEETCTL_KEY_FILE'] },
  { key: 'etcdUsername', env: ['FLOTILLA_ETCD_USERNAME', 'FLEETCTL_ETCD_USERNAME'] },
  { key: 'etcdPassword', env: ['FLOTILLA_ETCD_PASSWORD', 'FLEETCTL_ETCD_PASSWORD'] },
  { key: 'tunnel', env: ['FLOTILLA_TUNNEL', 'FLEETCTL_TUNNEL'] },
  { key: 'sshUsername', env: ['FLOTILLA_SSH_USERNAME', 'FLEETCTL_SSH_USERNAME'], fallback: 'core' },
  { key: 'sshTimeout', env: ['FLOTILLA_SSH_TIMEOUT', 'FLEETCTL_SSH_TIMEOUT'], fallback: '10' },
  { key: 'knownHostsFile', env: ['FLOTILLA_KNOWN_HOSTS_FILE', 'FLEETCTL_KNOWN_HOSTS_FILE'], fallback: '~/.fleetctl/known_hosts' },
  { key: 'strictHostKeyChecking', env: ['FLOTILLA_STRICT_HOST_KEY_CHECKING', 'FLEETCTL_STRICT_HOST_KEY_CHECKING'], fallback: 'true' },
];

function sshOptions(value: (key: GlobalSpec['key']) => string | undefined): SshOptions {
  const tunnel = value('tunnel');
  const strict = (value('strictHostKeyChecking') as string).toLowerCase();
  if (!['true', 'false', '1', '0', 't', 'f'].includes(strict)) {
    throw badOptionValue('--strict-host-key-checking', strict, 'expected true or false');
  }
  return {
    user: value('sshUsername') as string,
    ...(tunnel ? { tunnel: tunnel.includes(':') ? tunnel : `${tunnel}:22` } : {}),
    timeoutSec: parseSeconds('--ssh-timeout', value('sshTimeout') as string),
    knownHostsFile: value('knownHostsFile') as string,
    strictHostKeyChecking: ['true', '1', 't'].includes(strict),
  };
}

function pick(spec: GlobalSpec, cli: RawGlobalOptions, env: NodeJS.ProcessEnv): string | undefined {
  const given = cli[spec.key];
  if (given !== undefined) return given;
  for (const name of spec.env) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return spec.fallback;
}

function parseEndpoints(value: string): string[] {
  const endpoints = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (endpoints.length === 0) throw badOptionValue('--endpoint', value, 'expected a comma-separated list of URLs');
  for (const e of endpoints) {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(e)) throw badOptionValue('--endpoint', e, 'URL scheme undefined');
  }
  return endpoints;
}

export function parseSeconds(option: string, value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
    throw badOptionValue(option, value, 'expected a positive number of seconds');
  }
  return seconds;
}

/**
 * fleetctl's `--driver` (default API; its auto-detection by etcd port never fired). Flotilla: explicit value,
 * else `api` for unix:// (and file://) endpoints, else `etcd`.
 */
export function resolveDriver(value: string | undefined, endpoints: readonly string[]): Driver {
  if (value === undefined) return /^(unix|file):/i.test(endpoints[0] ?? '') ? 'api' : 'etcd';
  const driver = value.toLowerCase();
  if (driver !== 'api' && driver !== 'etcd') throw badOptionValue('--driver', value, `unrecognized driver ${JSON.stringify(value)}`);
  return driver;
}

/**
 * With `--driver=api` and no `--endpoint`, FLOTILLA_API_ENDPOINT (an agent's API URL) comes before the generic
 * endpoint variables, which usually name etcd: `npm run up`'s .flotilla/cluster.env carries both.
 */
function apiDriverEndpoint(cli: RawGlobalOptions, env: NodeJS.ProcessEnv, driver: string | undefined): string | undefined {
  if (cli.endpoint !== undefined || driver?.toLowerCase() !== 'api') return undefined;
  return env.FLOTILLA_API_ENDPOINT || undefined;
}

/** The etcd token cache's file: `$XDG_CACHE_HOME/flotilla/etcd-tokens`, else under `~/.cache` (XDG: a relative
 * XDG_CACHE_HOME is ignored). Its reading and writing: etcd-token-cache.ts, loaded only to connect. */
export function tokenCachePath(env: NodeJS.ProcessEnv, home: () => string = os.homedir): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || home(), '.cache');
  return path.join(base, 'flotilla', 'etcd-tokens');
}

/** FLOTILLA_ETCD_TOKEN_CACHE: `on` (or unset) / `off`. */
function tokenCacheEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env.FLOTILLA_ETCD_TOKEN_CACHE ?? '';
  if (['', 'on'].includes(value.toLowerCase())) return true;
  if (value.toLowerCase() === 'off') return false;
  throw badOptionValue('FLOTILLA_ETCD_TOKEN_CACHE', value, 'expected on or off');
}

export function resolveGlobalOptions(cli: RawGlobalOptions, env: NodeJS.ProcessEnv): GlobalOptions {
  const value = (key: GlobalSpec['key']) => pick(GLOBAL_SPECS.find((s) => s.key === key) as GlobalSpec, cli, env);
  const endpoints = parseEndpoints(apiDriverEndpoint(cli, env, value('driver')) ?? (value('endpoint') as string));
  const resolved: GlobalOptions = {
    driver: resolveDriver(value('driver'), endpoints),
    endpoints,
    prefix: value('etcdKeyPrefix') as string,
    requestTimeoutMs: Math.round(parseSeconds('--request-timeout', value('requestTimeout') as string) * 1000),
    ssh: sshOptions(value),
  };
  const caFile = value('caFile');
  const certFile = value('certFile');
  const keyFile = value('keyFile');
  if (caFile) resolved.caFile = caFile;
  if (certFile) resolved.certFile = certFile;
  if (keyFile) resolved.keyFile = keyFile;
  const etcdUsername = value('etcdUsername');
  if (etcdUsername) resolved.etcdAuth = { username: etcdUsername, password: value('etcdPassword') ?? '' };
  if (resolved.etcdAuth && tokenCacheEnabled(env)) resolved.etcdTokenCache = { file: tokenCachePath(env), endpoints };
  const apiToken = value('apiToken');
  if (apiToken) resolved.apiToken = apiToken;
  return resolved;
}
