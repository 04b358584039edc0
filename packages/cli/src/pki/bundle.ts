/** A node's share of the PKI, read from a PKI directory for its cloud-config (`flotilla cloud-config --pki DIR`). */
import fs from 'node:fs';
import path from 'node:path';
import { NODES_DIR, PKI_FILES, nodeFiles } from './layout.js';
import { readPkiFile } from './init.js';

/**
 * File name in NODE_PKI_DIR → contents. The agent certificate is the node's own (`nodes/<hostname>.pem`, made by
 * `flotilla pki issue`) when there is one, else the shared one.
 */
export function nodeBundle(dir: string, role: 'master' | 'worker', hostname?: string): Record<string, string> {
  const own = hostname ? path.join(NODES_DIR, hostname) : undefined;
  const useOwn = own !== undefined && fs.existsSync(path.join(dir, `${own}.pem`)) && fs.existsSync(path.join(dir, `${own}.key`));
  const source = (file: string): string => {
    if (useOwn && file === PKI_FILES.agentCert) return `${own}.pem`;
    if (useOwn && file === PKI_FILES.agentKey) return `${own}.key`;
    return file;
  };
  return Object.fromEntries(nodeFiles(role).map((file) => [file, readPkiFile(dir, source(file))]));
}
