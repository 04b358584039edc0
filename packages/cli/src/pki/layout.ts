/**
 * What a Flotilla PKI holds and how each certificate is made, as plain data (docs/cloud-config.md, "Secure by
 * default"). Pure: no I/O. `init.ts` carries it out with openssl.
 *
 * The shape follows etcd's security guide (etcd.io/docs/v3.4/op-guide/security): one CA, a server and a peer
 * certificate for etcd (client and peer TLS, certificates required), client certificates for whoever talks to
 * etcd, and RBAC users (op-guide/authentication) so a client sees only Flotilla's keyspace.
 */
import net from 'node:net';
import { FlotillaError, IMAGE_REGISTRY_HOST } from '@flotilla/core';

export const PKI_DIR_MODE = 0o700;
export const PKI_FILE_MODE = 0o600;

/** Where a node keeps its part of the PKI (written by its cloud-config, read by etcd and the agent). */
export const NODE_PKI_DIR = '/etc/flotilla/pki';

export const ETCD_ROOT_USER = 'root';
export const ETCD_AGENT_USER = 'flotilla-agent';
export const ETCD_CLI_USER = 'flotilla-cli';
/** The RBAC role both users hold: read and write under the key prefix, nothing else. */
export const ETCD_ROLE = 'flotilla';
export const ETCD_ROLE_PREFIX = '/flotilla/';

/** File names inside a PKI directory (and inside NODE_PKI_DIR on a node). */
export const PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  etcdServerCert: 'etcd-server.pem',
  etcdServerKey: 'etcd-server.key',
  etcdPeerCert: 'etcd-peer.pem',
  etcdPeerKey: 'etcd-peer.key',
  agentCert: 'agent.pem',
  agentKey: 'agent.key',
  cliCert: 'cli.pem',
  cliKey: 'cli.key',
  rootPassword: 'root.password',
  agentPassword: 'agent.password',
  cliPassword: 'cli.password',
  apiToken: 'api.token',
  registryCert: 'registry.pem',
  registryKey: 'registry.key',
} as const;

/** Per-node agent certificates (`flotilla pki issue`) live in this subdirectory, as `<name>.pem` / `<name>.key`. */
export const NODES_DIR = 'nodes';

export const CA_DAYS = 3650;
/** Leaf certificates: 825 days, the longest TLS server lifetime browsers still accept; rotate by reissuing. */
export const LEAF_DAYS = 825;

export type Usage = 'server' | 'client';

export interface LeafSpec {
  /** File stem: `<stem>.pem` and `<stem>.key`. */
  stem: string;
  /** openssl -subj. */
  subject: string;
  /** `server` certificates serve TLS (and may also be clients); `client` ones only authenticate. */
  usage: Usage;
  /** subjectAltName entries, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  sans: string[];
}

export class PkiError extends FlotillaError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('PKI', message, { hint: hint ?? 'see docs/cloud-config.md, "Secure by default"', ...(cause === undefined ? {} : { cause }) });
  }
}

const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** Host names and IPs as subjectAltName entries; localhost and 127.0.0.1 always (local clients, etcdctl). */
export function subjectAltNames(hosts: readonly string[]): string[] {
  const out = ['DNS:localhost', 'IP:127.0.0.1'];
  for (const raw of hosts) {
    const host = raw.trim();
    if (host === '') continue;
    let entry: string;
    if (net.isIP(host)) entry = `IP:${host}`;
    else if (HOSTNAME.test(host)) entry = `DNS:${host.toLowerCase()}`;
    else throw new PkiError(`--host: "${host}" is neither an IP address nor a host name`);
    if (!out.includes(entry)) out.push(entry);
  }
  return out;
}

/**
 * The certificates `pki init` makes besides the CA. Client certificates carry no CommonName: etcd (since 3.4.10)
 * refuses a gateway request whose client certificate has one ("CommonName of client sending a request against
 * gateway will be ignored"), and the agent and CLI talk to etcd through its JSON gateway (docs/registry.md,
 * "Transports"). Their etcd user comes from the password instead; the certificate only admits the connection.
 */
export function leafSpecs(hosts: readonly string[]): LeafSpec[] {
  const sans = subjectAltNames(hosts);
  return [
    { stem: 'etcd-server', subject: '/O=Flotilla/CN=etcd-server', usage: 'server', sans },
    { stem: 'etcd-peer', subject: '/O=Flotilla/CN=etcd-peer', usage: 'server', sans },
    // The agent's certificate is also the server certificate of its TCP API, hence server usage and the SANs.
    { stem: 'agent', subject: `/O=Flotilla/OU=${ETCD_AGENT_USER}`, usage: 'server', sans },
    { stem: 'cli', subject: `/O=Flotilla/OU=${ETCD_CLI_USER}`, usage: 'client', sans: [] },
    // The image registry's server certificate: the name machines and `flotilla image push` reach it by, wherever
    // it is scheduled (docs/registry-images.md), so no machine address in it.
    { stem: 'registry', subject: '/O=Flotilla/CN=registry', usage: 'server', sans: subjectAltNames([IMAGE_REGISTRY_HOST]) },
  ];
}

/** One node's own agent certificate (`flotilla pki issue`): its API's server certificate and its etcd client one. */
export function nodeLeafSpec(name: string, hosts: readonly string[]): LeafSpec {
  if (!HOSTNAME.test(name) || name.includes('.')) throw new PkiError(`--name: "${name}" is not a valid node name (letters, digits, -)`);
  return { stem: `${NODES_DIR}/${name}`, subject: `/O=Flotilla/OU=${ETCD_AGENT_USER}`, usage: 'server', sans: subjectAltNames([name, ...hosts]) };
}

/** openssl's config for `req` (subject from -subj) and the extensions of each kind of certificate. */
export function opensslConfig(leaf?: LeafSpec): string {
  const lines = ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', '', '[ca]',
    'basicConstraints = critical, CA:TRUE, pathlen:0', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];
  if (leaf) {
    lines.push('[leaf]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment',
      // etcd's gateway dials etcd's gRPC side with the server certificate as its client certificate, and peers
      // are each other's clients: server certificates need both usages.
      `extendedKeyUsage = ${leaf.usage === 'server' ? 'serverAuth, clientAuth' : 'clientAuth'}`,
      'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid');
    if (leaf.sans.length > 0) lines.push(`subjectAltName = ${leaf.sans.join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The SAN entries (as `subjectAltName` writes them: `DNS:x`, `IP:y`) a certificate lacks. */
export function missingSans(certificateSans: string | undefined, wanted: readonly string[]): string[] {
  const have = new Set((certificateSans ?? '').split(',').map((s) => s.trim().replace(/^IP Address:/, 'IP:')));
  return wanted.filter((s) => !have.has(s));
}

/** The files each kind of node gets in NODE_PKI_DIR; a master also bootstraps etcd's users (etcd-auth.sh). */
export function nodeFiles(role: 'master' | 'worker'): string[] {
  // Every node may run the registry (it goes where the metadata says), so every node has its certificate.
  const common = [PKI_FILES.caCert, PKI_FILES.agentCert, PKI_FILES.agentKey, PKI_FILES.agentPassword, PKI_FILES.apiToken,
    PKI_FILES.registryCert, PKI_FILES.registryKey];
  if (role === 'worker') return common;
  return [...common, PKI_FILES.etcdServerCert, PKI_FILES.etcdServerKey, PKI_FILES.etcdPeerCert, PKI_FILES.etcdPeerKey,
    PKI_FILES.rootPassword, PKI_FILES.cliPassword];
}
