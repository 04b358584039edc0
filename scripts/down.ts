/** `npm run down`: removes the `npm run up` cluster: machines, mounts, bridge, iptables rule, etcd, state. */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, teardownClusterById } from '../test/harness/cluster.js';

const removed = await teardownClusterById('demo');
fs.rmSync(path.join(REPO_DIR, '.flotilla/cluster.env'), { force: true });
process.stdout.write(removed ? 'down: cluster "demo" removed\n' : 'down: no cluster was running\n');
