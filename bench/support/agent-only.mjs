// The agent alone (no scheduler, no API, no container engine client) in its own Node process, for memory figures: drives one machine's
// systemd over its bus from the host and prints `rss <bytes>` every 500 ms. Config from FLOTILLA_BENCH_* env.
import { EtcdRegistry } from '@flotilla/core';
// The agent module itself, not the package index (which also loads the HTTP API, containers and health).
import { startAgent } from '../../packages/agent/dist/agent.js';
import fs from 'node:fs';
import { pino } from 'pino';

const env = process.env;
// A secure cluster (FLOTILLA_BENCH_PKI_DIR): the agent's certificate and etcd user, as agent.env gives a node's agent.
const pki = env.FLOTILLA_BENCH_PKI_DIR ? (file) => fs.readFileSync(`${env.FLOTILLA_BENCH_PKI_DIR}/${file}`) : undefined;
const security = pki
  ? { tls: { ca: pki('ca.pem'), cert: pki('agent.pem'), key: pki('agent.key') }, auth: { username: 'flotilla-agent', password: pki('agent.password').toString().trim() } }
  : {};
const registry = await EtcdRegistry.connect({ endpoints: env.FLOTILLA_BENCH_ENDPOINTS.split(','), ...security });
const agent = await startAgent({
  registry,
  machine: { id: env.FLOTILLA_BENCH_MACHINE_ID, hostname: 'bench', ip: '127.0.0.1', metadata: {}, version: 'bench', startedAt: Date.now() },
  ttlSec: 10,
  unitsDir: env.FLOTILLA_BENCH_UNITS_DIR,
  unitsDirSeenBySystemd: '/run/flotilla/units',
  busAddress: env.FLOTILLA_BENCH_BUS,
  logger: pino({ level: 'warn' }),
});
const timer = setInterval(() => process.stdout.write(`rss ${process.memoryUsage().rss}\n`), 500);
process.once('SIGTERM', async () => {
  clearInterval(timer);
  await agent.stop();
  await registry.close();
  process.exit(0);
});
