/** `npm run down`: removes the `npm run up` cluster: machines, mounts, bridge, iptables rule, etcd, state. */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_DIR, teardownClusterById } from '../test/harness/cluster.js';

let removed: boolean;
try {
  removed = await teardownClusterById('demo'); // returns once no process of the cluster is left
} catch (err) {
  process.stderr.write(`down: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
fs.rmSync(path.join(REPO_DIR, '.flotilla/cluster.env'), { force: true });
process.stdout.write(removed ? 'down: cluster "demo" removed\n' : 'down: no cluster was running\n');
