/**
 * Container engines trust the cluster's image registry (docs/registry-images.md): a one-shot unit links the
 * cluster's CA as the registry's CA, and this node's agent certificate as the client certificate the registry
 * asks for, into the engines' per-registry directories (docker: /etc/docker/certs.d/HOST:PORT, podman:
 * /etc/containers/certs.d/HOST:PORT, containers-certs.d(5)). Links, not copies: a rotated PKI file is used at
 * once, and the same unit works whether the config embedded the PKI or the files were copied to the node.
 * No `insecure-registries` anywhere.
 */
import { IMAGE_REGISTRY_ADDRESS } from '@flotilla/core';
import { NODE_PKI_DIR, PKI_FILES } from '../pki/layout.js';

export const REGISTRY_TRUST_UNIT_NAME = 'flotilla-registry-trust.service';

export const ENGINE_CERT_DIRS = [`/etc/docker/certs.d/${IMAGE_REGISTRY_ADDRESS}`, `/etc/containers/certs.d/${IMAGE_REGISTRY_ADDRESS}`];

const links: [string, string][] = [
  [PKI_FILES.caCert, 'ca.crt'],
  [PKI_FILES.agentCert, 'client.cert'],
  [PKI_FILES.agentKey, 'client.key'],
];

const script = ENGINE_CERT_DIRS.map((dir) => [`mkdir -p ${dir}`, ...links.map(([file, name]) => `ln -sfn ${NODE_PKI_DIR}/${file} ${dir}/${name}`)].join(' && ')).join(' && ');

export const REGISTRY_TRUST_UNIT = `[Unit]
Description=Container engines trust the cluster's image registry (${IMAGE_REGISTRY_ADDRESS})
Before=docker.service podman.socket flotilla-agent.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -c '${script}'

[Install]
WantedBy=multi-user.target
`;
