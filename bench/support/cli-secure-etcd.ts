/**
 * A fixture for timing the CLI by hand against what `npm run up` gives it: one etcd with the PKI of `flotilla pki
 * init` (TLS, client certificates, auth), 10 machines and 300 units with published states (as bench/cli-list.ts
 * seeds). Writes the CLI's settings to OUT (`export KEY=VALUE` lines) and runs until SIGINT/SIGTERM, then stops
 * etcd and removes its files. docs/benchmarks.md, "CLI cold start, second pass".
 * Usage: npx tsx bench/support/cli-secure-etcd.ts OUT [UNITS=300]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EtcdRegistry, type PresenceLease, type UnitRecord } from '@flotilla/core';
import { startEtcd } from '../../test/harness/etcd.js';
import { clusterPki } from '../../test/harness/pki.js';

const OUT = process.argv[2];
const UNITS = Number(process.argv[3] ?? 300);
if (!OUT) throw new Error('usage: cli-secure-etcd.ts OUT [UNITS]');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cli-secure-'));
const pki = clusterPki(dir, ['127.0.0.1']);
const etcd = await startEtcd(pki.etcdOptions());
const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/flotilla/', ...pki.cliRegistryOptions() });
const stop = async () => {
  await registry.close();
  await etcd.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

const leases: PresenceLease[] = [];
const ids = Array.from({ length: 10 }, (_, i) => `${String(i).padStart(2, '0')}${'a'.repeat(30)}`);
for (const [i, id] of ids.entries()) leases.push(await registry.registerMachine({ id, hostname: `h${i}`, ip: `10.0.0.${i + 1}`, metadata: {}, version: 'bench', startedAt: 0 }, 3600));
for (let i = 0; i < UNITS; i++) {
  const name = `bench-${String(i).padStart(6, '0')}.service`;
  const options = [{ section: 'Unit', name: 'Description', value: name }, { section: 'Service', name: 'ExecStart', value: '/bin/sleep infinity' }];
  const unit: UnitRecord = await registry.submitUnit({ name, options }, { desiredState: 'launched' });
  const m = i % ids.length;
  await registry.publishState({ unit: name, machineId: ids[m] as string, hash: unit.hash, loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 0 }, leases[m] as PresenceLease);
}
const env = { FLOTILLA_ENDPOINT: etcd.endpoints.join(','), ...pki.cliEnv(true) };
fs.writeFileSync(OUT, Object.entries(env).map(([k, v]) => `export ${k}=${v}\n`).join(''), { mode: 0o600 });
process.stderr.write(`cli-secure-etcd: ${UNITS} units on ${etcd.endpoints.join(',')}; settings in ${OUT}\n`);
setInterval(() => {}, 1 << 30);
