/**
 * A dead connection under a quiet HTTP watch is found without spending requests on it: the watch socket's TCP
 * keepalive (10 s idle, then 10 probes 1 s apart, libuv's defaults on Linux) fails, the watch re-opens on a new
 * connection from its next revision, and what was written meanwhile arrives. The connection is black-holed with
 * iptables (its packets dropped, so nothing tells the client), not cut. Takes ~25 s.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import type { Assignment } from '../model.js';
import { EventLog, freshPrefix } from '../testing/registry-fixtures.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { unitSpec } from '../testing/unit-builders.js';
import { EtcdRegistry } from './etcd-registry.js';
import type { WatchEvent } from './types.js';

let etcd: EtcdHandle;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

/** Local ports of the established client connections to `port` (the client side of each). */
function clientPorts(port: number): number[] {
  const out = execFileSync('ss', ['-Htn', 'state', 'established', `( dport = :${port} )`], { encoding: 'utf8', timeout: 5000 });
  return out.split('\n').filter(Boolean).map((line) => Number(line.trim().split(/\s+/)[2]?.split(':').pop()));
}

function iptables(action: '-I' | '-D', clientPort: number): void {
  for (const dir of ['--sport', '--dport']) {
    execFileSync('iptables', [action, 'INPUT', '-i', 'lo', '-p', 'tcp', dir, String(clientPort), '-j', 'DROP'], { timeout: 5000 });
  }
}

test('http: a black-holed watch connection is detected by TCP keepalive; the watch resumes on a new one, no gap', { timeout: 90_000 }, async () => {
  const proxy = await startTcpProxy(etcd.endpoints[0]!);
  const prefix = freshPrefix();
  const writer = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
  const reader = await EtcdRegistry.connect({ endpoints: [proxy.endpoint], prefix, transport: 'http', requestTimeoutMs: 2000 });
  const blocked: number[] = [];
  try {
    const log = new EventLog<WatchEvent<Assignment>>();
    await reader.watchAssignments('m1', log.push);
    blocked.push(...clientPorts(Number(new URL(proxy.endpoint).port)));
    expect(blocked.length).toBeGreaterThan(0);
    for (const port of blocked) iptables('-I', port);
    const started = Date.now();
    for (const name of ['b1.service', 'b2.service']) {
      const unit = await writer.submitUnit(unitSpec(name), { desiredState: 'launched' });
      await writer.assign(unit, (await writer.snapshot()).unitRevisions.get(name)!, 'm1');
    }
    expect((await log.next(2, 60_000)).map((e) => e.key)).toEqual(['b1.service', 'b2.service']);
    expect(Date.now() - started).toBeLessThan(40_000);
  } finally {
    for (const port of blocked) iptables('-D', port);
    await reader.close();
    await writer.close();
    await proxy.close();
  }
});
