/**
 * A test cluster's PKI, made by the same code as `flotilla pki init` (docs/cloud-config.md, "Secure by default"):
 * what the host etcd, each machine, tests and the CLI on the host get from it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RegistryOptions } from '@flotilla/core';
import type { NodeRole } from '../../packages/cli/src/cloud-config/node-plan.js';
import { nodeBundle } from '../../packages/cli/src/pki/bundle.js';
import { initPki, issueNodeCertificate } from '../../packages/cli/src/pki/init.js';
import { ETCD_AGENT_USER, ETCD_CLI_USER, ETCD_ROLE, ETCD_ROLE_PREFIX, PKI_FILES } from '../../packages/cli/src/pki/layout.js';
import type { EtcdOptions } from './etcd.js';

export type { NodeRole };

export interface ClusterPki {
  dir: string;
  /** Issues the machine's own agent certificate (for its IP) and returns its share of the PKI. */
  nodeFiles(role: NodeRole, name: string, ip: string): Record<string, string>;
  /** The host etcd: client TLS with certificates required, peer TLS, root plus one user per client on a role. */
  etcdOptions(): Pick<EtcdOptions, 'tls' | 'peerTls' | 'auth'>;
  /** The CLI's identity as registry options (TLS contents and the flotilla-cli user). */
  cliRegistryOptions(): Pick<RegistryOptions, 'tls' | 'auth'>;
  /** The CLI's environment: TLS files and the API token, and with a secure etcd its user. */
  cliEnv(secureEtcd: boolean): Record<string, string>;
  etcdctlFlags(): string[];
  apiToken(): string;
  caCert(): Buffer;
}

/** Opens the PKI in `dir`; with `hosts`, first makes (or completes) it for them. */
export function clusterPki(dir: string, hosts?: readonly string[]): ClusterPki {
  if (hosts) initPki(dir, { hosts });
  const file = (name: string) => path.join(dir, name);
  const secret = (name: string) => fs.readFileSync(file(name), 'utf8').trim();
  return {
    dir,
    nodeFiles(role, name, ip) {
      issueNodeCertificate(dir, name, [ip]);
      return nodeBundle(dir, role, name);
    },
    etcdOptions: () => ({
      tls: {
        certFile: file(PKI_FILES.etcdServerCert), keyFile: file(PKI_FILES.etcdServerKey), caFile: file(PKI_FILES.caCert),
        clientCertAuth: true, clientCertFile: file(PKI_FILES.cliCert), clientKeyFile: file(PKI_FILES.cliKey),
      },
      peerTls: { certFile: file(PKI_FILES.etcdPeerCert), keyFile: file(PKI_FILES.etcdPeerKey) },
      auth: {
        rootPassword: secret(PKI_FILES.rootPassword),
        roles: [{ name: ETCD_ROLE, prefix: ETCD_ROLE_PREFIX }],
        users: [
          { name: ETCD_AGENT_USER, password: secret(PKI_FILES.agentPassword), role: ETCD_ROLE },
          { name: ETCD_CLI_USER, password: secret(PKI_FILES.cliPassword), role: ETCD_ROLE },
        ],
      },
    }),
    cliRegistryOptions: () => ({
      tls: { ca: fs.readFileSync(file(PKI_FILES.caCert)), cert: fs.readFileSync(file(PKI_FILES.cliCert)), key: fs.readFileSync(file(PKI_FILES.cliKey)) },
      auth: { username: ETCD_CLI_USER, password: secret(PKI_FILES.cliPassword) },
    }),
    cliEnv: (secureEtcd) => ({
      FLOTILLA_CA_FILE: file(PKI_FILES.caCert),
      FLOTILLA_CERT_FILE: file(PKI_FILES.cliCert),
      FLOTILLA_KEY_FILE: file(PKI_FILES.cliKey),
      FLOTILLA_API_TOKEN: secret(PKI_FILES.apiToken),
      ...(secureEtcd ? { FLOTILLA_ETCD_USERNAME: ETCD_CLI_USER, FLOTILLA_ETCD_PASSWORD: secret(PKI_FILES.cliPassword) } : {}),
    }),
    etcdctlFlags: () => [
      `--cacert=${file(PKI_FILES.caCert)}`, `--cert=${file(PKI_FILES.cliCert)}`, `--key=${file(PKI_FILES.cliKey)}`,
      `--user=${ETCD_CLI_USER}:${secret(PKI_FILES.cliPassword)}`,
    ],
    apiToken: () => secret(PKI_FILES.apiToken),
    caCert: () => fs.readFileSync(file(PKI_FILES.caCert)),
  };
}
