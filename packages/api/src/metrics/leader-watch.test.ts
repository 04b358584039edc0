/**
 * followLeader against a real etcd: the leader is read at start and after each election change, watch-driven,
 * and the counter in OpsMetrics counts each change once from the start (no scrape involved).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EtcdRegistry, sleep, type Subscription } from '@flotilla/core';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { followLeader } from './leader-watch.js';
import { OpsMetrics } from './ops-metrics.js';

const logger = pino({ level: 'silent' });
let etcd: EtcdHandle;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

async function until(what: string, check: () => boolean, deadlineMs = 10_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

test('sees no leader, then each elected scheduler, and counts the changes', async () => {
  const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: `/leader-watch-${process.pid}/` });
  const seen: (string | null)[] = [];
  const metrics = new OpsMetrics();
  let watch: Subscription | undefined;
  try {
    const onLeader = (l: string | null) => {
      if (seen.at(-1) !== l) seen.push(l);
      metrics.recordLeader(l);
    };
    watch = await followLeader({ registry, onLeader, onReadError: (err) => { throw err; }, logger, debounceMs: 10 });
    await until('no leader', () => seen.length === 1);
    const a = await registry.campaign('machine-a', 5, new AbortController().signal);
    await until('machine-a', () => seen.at(-1) === 'machine-a');
    await a.resign();
    const b = await registry.campaign('machine-b', 5, new AbortController().signal);
    await until('machine-b', () => seen.at(-1) === 'machine-b');
    await b.resign();
    await until('no leader again', () => seen.at(-1) === null);
    expect(seen.filter((l) => l !== null)).toEqual(['machine-a', 'machine-b']);
    const text = await metrics.render();
    // every distinct leader seen after the first is one change (null → a → [null →] b → null)
    const changes = Number(/^flotilla_scheduler_leader_changes_total (\d+)$/m.exec(text)?.[1]);
    expect(changes).toBe(seen.length - 1);
    expect(text).toMatch(/^flotilla_scheduler_leader 0$/m);
  } finally {
    await watch?.close();
    await registry.close();
  }
});
