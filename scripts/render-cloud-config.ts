/** Re-renders the shipped node configs in cloud-config/ (a test checks they equal the renderer's output). */
import fs from 'node:fs';
import path from 'node:path';
import { planNode } from '../packages/cli/src/cloud-config/node-plan.js';
import { toButane, toCloudConfig } from '../packages/cli/src/cloud-config/serialize.js';

const dir = path.join(path.dirname(new URL(import.meta.url).pathname), '../cloud-config');
const master = planNode({ role: 'master', etcdEndpoints: [], metadata: {} });
// Secure by default: etcd over https with the files `flotilla pki init` makes, placed in /etc/flotilla/pki
// (docs/cloud-config.md, "Secure by default"); `flotilla cloud-config --pki DIR` embeds them instead.
const worker = planNode({ role: 'worker', etcdEndpoints: ['https://master:2379'], metadata: {} });
fs.writeFileSync(path.join(dir, 'master.yaml'), toCloudConfig(master));
fs.writeFileSync(path.join(dir, 'worker.yaml'), toCloudConfig(worker));
fs.writeFileSync(path.join(dir, 'master.bu'), toButane(master));
fs.writeFileSync(path.join(dir, 'worker.bu'), toButane(worker));
process.stdout.write(`rendered master/worker .yaml and .bu in ${dir}\n`);
