// Stand-in for a Spark worker: finds the master through etcd (`flotilla list-units -o json`, the machine IP of
// the active spark-master.service; etcd's endpoint, TLS files and user come from the node's /etc/flotilla/agent.env,
// which the CLI reads as the agent does: packages/cli/src/agent-etcd-settings.ts) and
// registers with it every 2 s, so it follows the master when it moves.
import { execFile } from 'node:child_process';
import os from 'node:os';

const cli = process.env.FLOTILLA_CLI ?? '/opt/flotilla/packages/cli/dist/main.js';
const port = Number(process.env.SPARK_MASTER_PORT ?? 7077);

function masterIp() {
  return new Promise((resolve) => {
    execFile('/usr/bin/node', [cli, 'list-units', '-o', 'json'], { timeout: 5000 }, (err, stdout) => {
      if (err) return resolve(undefined);
      const doc = JSON.parse(stdout);
      const rows = Array.isArray(doc) ? doc : Object.values(doc).find(Array.isArray) ?? [];
      const master = rows.find((r) => r.name === 'spark-master.service' && r.systemdActiveState === 'active');
      resolve(master?.machineIP);
    });
  });
}

async function register() {
  const ip = await masterIp();
  if (!ip) return process.stdout.write('master not found yet\n');
  const url = `http://${ip}:${port}/register?worker=${encodeURIComponent(os.hostname())}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) }).catch((err) => err);
  process.stdout.write(`master ${ip}: ${res instanceof Error ? res.message : res.status}\n`);
}

for (;;) {
  await register();
  await new Promise((resolve) => setTimeout(resolve, 2000));
}
