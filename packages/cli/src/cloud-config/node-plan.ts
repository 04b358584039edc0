/**
 * What a Flotilla node needs on first boot, as plain data: files to write and units to install/start. The three
 * formats we ship (CoreOS cloud-config, Butane, Ignition) are serialisations of this one plan, so they cannot
 * drift apart. Pure: no I/O.
 */
import { FlotillaError } from '@flotilla/core';
import { ETCD_AGENT_USER, NODE_PKI_DIR, PKI_FILE_MODE, PKI_FILES } from '../pki/layout.js';
import { REGISTRY_TRUST_UNIT, REGISTRY_TRUST_UNIT_NAME } from './registry-trust.js';
import { LEAN_NODE_FLAGS, SCHEDULER_NODE_FLAGS } from './node-flags.js';
import { ETCD_AUTH_SCRIPT, ETCD_AUTH_SCRIPT_CONTENT, ETCD_AUTH_UNIT, ETCD_AUTH_UNIT_NAME, etcdUnit } from './etcd-units.js';
import { ETCD_MAX_TXN_OPS } from './etcd-limits.js';

export type NodeRole = 'master' | 'worker';

export interface NodeSpec {
  role: NodeRole;
  hostname?: string;
  /**
   * etcd client URLs the agent uses. A master defaults to its own etcd (https://127.0.0.1:2379). https URLs (the
   * default) mean TLS with the node's certificate and etcd auth; explicit http:// URLs turn both off.
   */
  etcdEndpoints: string[];
  metadata: Record<string, string>;
  /** PEM files already on the node (paths), passed to the agent instead of the PKI's (then no etcd user either). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** The node's share of the PKI (file name → contents, `pki/bundle.ts`), written to NODE_PKI_DIR. */
  pki?: Record<string, string>;
  /** The agent's TCP API, host:port: with the PKI's token and TLS (client certificates too) unless apiInsecure. */
  apiListen?: string;
  /** Serve the TCP API without a token or certificates (FLOTILLA_API_INSECURE=1); the agent logs the risk. */
  apiInsecure?: boolean;
  agentTtlSec?: number;
  /** Extra FLOTILLA_* variables for the agent (e.g. FLOTILLA_API_LISTEN). */
  extraEnv?: Record<string, string>;
  /**
   * Whether the node's agent may become the cluster's scheduler. Default: masters yes, workers no (the registry
   * runs on the masters, so scheduling there loses nothing; workers then run a lean agent, LEAN_NODE_FLAGS).
   */
  scheduler?: boolean;
  /** Run the agent with LEAN_NODE_FLAGS. Default: when it is no scheduler candidate. */
  leanRuntime?: boolean;
  /** false: the agent runs no discovery DNS (FLOTILLA_DNS=off; docs/discovery.md). Default on. */
  dns?: boolean;
}

export { LEAN_NODE_FLAGS, SCHEDULER_NODE_FLAGS } from './node-flags.js';

export interface PlannedFile {
  path: string;
  content: string;
  /** e.g. 0o644 */
  mode: number;
}

export interface PlannedUnit {
  name: string;
  content: string;
  /** `enable` it (WantedBy) and `start` it on first boot. */
  start: boolean;
}

export interface NodePlan {
  hostname?: string;
  files: PlannedFile[];
  units: PlannedUnit[];
}

export class NodeSpecError extends FlotillaError {
  constructor(what: string, message: string) {
    super('CLOUD_CONFIG_SPEC', `${what}: ${message}`, { hint: 'see `flotilla cloud-config --help`' });
  }
}

export const AGENT_ENV_FILE = '/etc/flotilla/agent.env';
export const FLOTILLA_HOME = '/opt/flotilla';

/** The agent's unit. `flotilla agent` lives in /opt/flotilla and runs on /usr/bin/node (docs/cloud-config.md). */
const AGENT_UNIT = `[Unit]
Description=Flotilla agent
Wants=network-online.target
After=network-online.target etcd.service ${ETCD_AUTH_UNIT_NAME}
# Keep retrying while the network or etcd is not there yet (the daemon exits when etcd is unreachable).
StartLimitIntervalSec=0

[Service]
EnvironmentFile=${AGENT_ENV_FILE}
# FLOTILLA_NODE_FLAGS (from the env file) may be empty: systemd then passes no argument for it.
ExecStart=/usr/bin/node $FLOTILLA_NODE_FLAGS ${FLOTILLA_HOME}/packages/cli/dist/main.js agent
# systemctl reload: SIGHUP, the agent re-reads ${AGENT_ENV_FILE} and applies what it can live (docs/agent.md).
# The shell's own kill: minimal images have no /bin/kill. $$ is a literal $ for systemd.
ExecReload=/bin/sh -c 'kill -HUP "$$MAINPID"'
Restart=always
RestartSec=1
# systemctl stop makes the agent stop its units first (each up to 30 s; its own deadline is 60 s).
TimeoutStopSec=90

[Install]
WantedBy=multi-user.target
`;

const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;
const ENV_KEY = /^FLOTILLA_[A-Z0-9_]+$/;

export function validateNodeSpec(spec: NodeSpec): void {
  if (spec.role !== 'master' && spec.role !== 'worker') throw new NodeSpecError('--role', `must be master or worker, got "${spec.role}"`);
  if (spec.role === 'worker' && spec.etcdEndpoints.length === 0) throw new NodeSpecError('--etcd', 'a worker needs the etcd URL(s) of the cluster');
  for (const url of spec.etcdEndpoints) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(url)) throw new NodeSpecError('--etcd', `"${url}" is not an http(s)://host:port URL`);
  }
  if (new Set(spec.etcdEndpoints.map((url) => url.split(':')[0])).size > 1) throw new NodeSpecError('--etcd', 'mixes http:// and https:// URLs');
  if (spec.apiListen !== undefined && !/^(\[[0-9a-f:.]+\]|[^:\s]*):\d{1,5}$/i.test(spec.apiListen)) {
    throw new NodeSpecError('--api-listen', `expected host:port (e.g. 0.0.0.0:54728), got "${spec.apiListen}"`);
  }
  for (const name of Object.keys(spec.pki ?? {})) {
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(name)) throw new NodeSpecError('--pki', `"${name}" is not a PKI file name`);
  }
  for (const [key, value] of Object.entries(spec.metadata)) {
    if (!METADATA_KEY.test(key)) throw new NodeSpecError('--metadata', `invalid key "${key}" (letters, digits, _ . - only)`);
    if (/[,=\s]/.test(value)) throw new NodeSpecError('--metadata', `value of "${key}" may not contain ",", "=" or spaces`);
  }
  for (const key of Object.keys(spec.extraEnv ?? {})) {
    if (!ENV_KEY.test(key)) throw new NodeSpecError('environment', `"${key}" is not a FLOTILLA_* variable name`);
  }
  if (spec.hostname !== undefined && !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(spec.hostname)) {
    throw new NodeSpecError('--hostname', `"${spec.hostname}" is not a valid host name`);
  }
}

const pkiPath = (file: string) => `${NODE_PKI_DIR}/${file}`;

function endpointsOf(spec: NodeSpec): string[] {
  return spec.etcdEndpoints.length > 0 ? spec.etcdEndpoints : ['https://127.0.0.1:2379'];
}

/** etcd over TLS with auth: every endpoint is https (the master's default one is). */
export function etcdIsSecure(spec: NodeSpec): boolean {
  return endpointsOf(spec).every((url) => url.startsWith('https://'));
}

/** The node uses the cluster's PKI in NODE_PKI_DIR (secure etcd, no certificate files of its own). */
function usesClusterPki(spec: NodeSpec): boolean {
  const explicit = spec.tls && (spec.tls.caFile || spec.tls.certFile || spec.tls.keyFile);
  return !explicit && etcdIsSecure(spec);
}

/** How the agent reaches etcd: the files given, or the PKI's certificate and its etcd user (docs/cloud-config.md). */
function etcdSecurityEnv(spec: NodeSpec): Record<string, string> {
  const env: Record<string, string> = {};
  const explicit = !usesClusterPki(spec);
  const tls = explicit
    ? spec.tls ?? {}
    : { caFile: pkiPath(PKI_FILES.caCert), certFile: pkiPath(PKI_FILES.agentCert), keyFile: pkiPath(PKI_FILES.agentKey) };
  if (tls.caFile) env.FLOTILLA_ETCD_CA_FILE = tls.caFile;
  if (tls.certFile) env.FLOTILLA_ETCD_CERT_FILE = tls.certFile;
  if (tls.keyFile) env.FLOTILLA_ETCD_KEY_FILE = tls.keyFile;
  if (!explicit) {
    env.FLOTILLA_ETCD_USERNAME = ETCD_AGENT_USER;
    env.FLOTILLA_ETCD_PASSWORD_FILE = pkiPath(PKI_FILES.agentPassword);
  }
  return env;
}

/** The TCP API: token and TLS from the PKI, client certificates of the cluster's CA accepted too (docs/api.md). */
function apiEnv(spec: NodeSpec): Record<string, string> {
  if (spec.apiListen === undefined) return {};
  if (spec.apiInsecure) return { FLOTILLA_API_LISTEN: spec.apiListen, FLOTILLA_API_INSECURE: '1' };
  return {
    FLOTILLA_API_LISTEN: spec.apiListen,
    FLOTILLA_API_TOKEN_FILE: pkiPath(PKI_FILES.apiToken),
    FLOTILLA_API_TLS_CERT: pkiPath(PKI_FILES.agentCert),
    FLOTILLA_API_TLS_KEY: pkiPath(PKI_FILES.agentKey),
    FLOTILLA_API_TLS_CA: pkiPath(PKI_FILES.caCert),
  };
}

function agentEnv(spec: NodeSpec): string {
  const endpoints = endpointsOf(spec);
  const metadata = { role: spec.role, ...spec.metadata };
  const env: Record<string, string> = {
    FLOTILLA_ENDPOINT: endpoints.join(','),
    FLOTILLA_METADATA: Object.entries(metadata).map(([k, v]) => `${k}=${v}`).join(','),
    FLOTILLA_AGENT_TTL: String(spec.agentTtlSec ?? 10),
  };
  const scheduler = spec.scheduler ?? spec.role === 'master';
  if (!scheduler) env.FLOTILLA_DISABLE_ENGINE = '1';
  // A node that may lead packs placement transactions to what the shipped etcd allows (etcd-limits.ts).
  else env.FLOTILLA_ETCD_MAX_TXN_OPS = String(ETCD_MAX_TXN_OPS);
  env.FLOTILLA_NODE_FLAGS = (spec.leanRuntime ?? !scheduler) ? LEAN_NODE_FLAGS : SCHEDULER_NODE_FLAGS;
  if (spec.dns === false) env.FLOTILLA_DNS = 'off';
  Object.assign(env, etcdSecurityEnv(spec), apiEnv(spec), spec.extraEnv);
  return Object.entries(env).map(([k, v]) => `${k}=${v}\n`).join('');
}

/** The node's first-boot plan: the agent everywhere, etcd (and, secured, its auth set-up) on the master. */
export function planNode(spec: NodeSpec): NodePlan {
  validateNodeSpec(spec);
  const secure = etcdIsSecure(spec);
  const files: PlannedFile[] = [{ path: AGENT_ENV_FILE, content: agentEnv(spec), mode: 0o600 }];
  const units: PlannedUnit[] = [];
  if (spec.role === 'master') {
    units.push({ name: 'etcd.service', content: etcdUnit(secure), start: true });
    if (secure) {
      files.push({ path: ETCD_AUTH_SCRIPT, content: ETCD_AUTH_SCRIPT_CONTENT, mode: 0o700 });
      units.push({ name: ETCD_AUTH_UNIT_NAME, content: ETCD_AUTH_UNIT, start: true });
    }
  }
  // The image registry's certificate comes from the cluster's CA: engines trust it only where that PKI is.
  if (usesClusterPki(spec)) units.push({ name: REGISTRY_TRUST_UNIT_NAME, content: REGISTRY_TRUST_UNIT, start: true });
  units.push({ name: 'flotilla-agent.service', content: AGENT_UNIT, start: true });
  for (const [name, content] of Object.entries(spec.pki ?? {})) files.push({ path: pkiPath(name), content, mode: PKI_FILE_MODE });
  return { ...(spec.hostname ? { hostname: spec.hostname } : {}), files, units };
}
