/**
 * The master's etcd: the unit, and the one-shot unit and script that turn its authentication on at first boot.
 * Plain strings; node-plan.ts decides which a node gets. Secure by default as etcd's security guide sets it up
 * (etcd.io/docs/v3.4/op-guide/security): client and peer TLS, certificates required from both, and RBAC users
 * (op-guide/authentication). Files come from `flotilla pki init` (docs/cloud-config.md, "Secure by default").
 */
import { ETCD_LIMIT_FLAGS } from './etcd-limits.js';
import { ETCD_AGENT_USER, ETCD_CLI_USER, ETCD_ROLE, ETCD_ROLE_PREFIX, NODE_PKI_DIR, PKI_FILES } from '../pki/layout.js';

const pki = (file: string) => `${NODE_PKI_DIR}/${file}`;

/** etcd reads every flag from ETCD_<FLAG> too; Environment= lines keep the TLS settings readable. */
const TLS_ENVIRONMENT = [
  `ETCD_CERT_FILE=${pki(PKI_FILES.etcdServerCert)}`,
  `ETCD_KEY_FILE=${pki(PKI_FILES.etcdServerKey)}`,
  `ETCD_TRUSTED_CA_FILE=${pki(PKI_FILES.caCert)}`,
  'ETCD_CLIENT_CERT_AUTH=true',
  `ETCD_PEER_CERT_FILE=${pki(PKI_FILES.etcdPeerCert)}`,
  `ETCD_PEER_KEY_FILE=${pki(PKI_FILES.etcdPeerKey)}`,
  `ETCD_PEER_TRUSTED_CA_FILE=${pki(PKI_FILES.caCert)}`,
  'ETCD_PEER_CLIENT_CERT_AUTH=true',
].map((line) => `Environment=${line}\n`).join('');

/** A single-member etcd for the master, advertising the node's first address (found at start, any format). */
export function etcdUnit(secure: boolean): string {
  const scheme = secure ? 'https' : 'http';
  const tls = secure
    ? '# Clients and peers over TLS, each with a certificate from the cluster\'s CA (etcd op-guide/security).\n' + TLS_ENVIRONMENT
    : '';
  return `[Unit]
Description=etcd, Flotilla's registry
# Quota, compaction and transaction size: etcd's maintenance guide (cloud-config/etcd-limits.ts).
Wants=network-online.target
After=network-online.target

[Service]
${tls}ExecStart=/bin/sh -c 'ip=$$(hostname -I | cut -d" " -f1); exec /usr/bin/etcd --name %H --data-dir /var/lib/etcd --listen-client-urls ${scheme}://0.0.0.0:2379 --advertise-client-urls ${scheme}://$$ip:2379 --listen-peer-urls ${scheme}://$$ip:2380 --initial-advertise-peer-urls ${scheme}://$$ip:2380 --initial-cluster %H=${scheme}://$$ip:2380 ${ETCD_LIMIT_FLAGS.join(' ')}'
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;
}

export const ETCD_AUTH_UNIT_NAME = 'flotilla-etcd-auth.service';
export const ETCD_AUTH_SCRIPT = '/etc/flotilla/etcd-auth.sh';

export const ETCD_AUTH_UNIT = `[Unit]
Description=Turn on etcd's authentication (users and roles for Flotilla)
Requires=etcd.service
After=etcd.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=${ETCD_AUTH_SCRIPT}

[Install]
WantedBy=multi-user.target
`;

/**
 * Turns on etcd's authentication, in the order etcd's guide gives: root with the root role, a role that may read
 * and write Flotilla's keyspace and nothing else, one user per kind of client with that role, then `auth enable`.
 * Safe to run again: "already exists" counts as done, grants and `auth enable` are idempotent.
 */
export const ETCD_AUTH_SCRIPT_CONTENT = `#!/bin/sh
# Turns on etcd's authentication (etcd.io/docs/v3.4/op-guide/authentication): root, a role limited to Flotilla's
# keyspace, a user per kind of client, then auth enable. Run again, it keeps what exists. Passwords are the files
# flotilla pki init made, given on stdin (--interactive=false), never on a command line.
set -eu
pki=${NODE_PKI_DIR}
export ETCDCTL_API=3 ETCDCTL_ENDPOINTS=https://127.0.0.1:2379
export ETCDCTL_CACERT=$pki/${PKI_FILES.caCert} ETCDCTL_CERT=$pki/${PKI_FILES.agentCert} ETCDCTL_KEY=$pki/${PKI_FILES.agentKey}
# Once auth is on, only root may change it; before, etcdctl takes the credentials without needing them.
ETCDCTL_USER=root
ETCDCTL_PASSWORD=$(cat "$pki/${PKI_FILES.rootPassword}")
export ETCDCTL_USER ETCDCTL_PASSWORD

keep() {
  if out=$(etcdctl "$@" 2>&1); then return 0; fi
  case $out in *"already exists"*) return 0 ;; esac
  echo "etcdctl $1 $2: $out" >&2
  return 1
}

tries=0
until etcdctl endpoint health >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then echo "etcd is not healthy after 60 s" >&2; exit 1; fi
  sleep 0.5
done
keep user add root --interactive=false <"$pki/${PKI_FILES.rootPassword}"
keep user grant-role root root
keep role add ${ETCD_ROLE}
keep role grant-permission ${ETCD_ROLE} --prefix=true readwrite ${ETCD_ROLE_PREFIX}
keep user add ${ETCD_AGENT_USER} --interactive=false <"$pki/${PKI_FILES.agentPassword}"
keep user grant-role ${ETCD_AGENT_USER} ${ETCD_ROLE}
keep user add ${ETCD_CLI_USER} --interactive=false <"$pki/${PKI_FILES.cliPassword}"
keep user grant-role ${ETCD_CLI_USER} ${ETCD_ROLE}
keep auth enable
echo "etcd authentication is on: users root, ${ETCD_AGENT_USER}, ${ETCD_CLI_USER}"
`;
