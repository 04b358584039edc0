/**
 * Transport choice (option > FLOTILLA_ETCD_TRANSPORT > http) and what only the HTTP adapter does by itself:
 * failover across endpoints, the bulk port opened on first use, a watch over the gateway surviving a cut.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { EventLog, eventually, freshPrefix } from '../testing/registry-fixtures.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { unitSpec } from '../testing/unit-builders.js';
import { freePort } from '../../../../test/harness/ports.js';
import { EtcdRegistry } from './etcd-registry.js';
import { chooseTransport } from './transport.js';
import type { EtcdTransport, WatchEvent } from './types.js';
import type { Assignment } from '../model.js';

/** A throwaway self-signed certificate with this subject (openssl). */
function certificate(subject: string): Buffer {
  return execFileSync('sh', ['-c', `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -days 1 -subj '${subject}' 2>/dev/null`]);
}

describe('chooseTransport', () => {
  test.each([
    { name: 'default', options: {}, env: {}, want: { transport: 'http', bulk: 'http' } },
    { name: 'env', options: {}, env: { FLOTILLA_ETCD_TRANSPORT: 'grpc' }, want: { transport: 'grpc', bulk: 'grpc' } },
    { name: 'option beats env', options: { transport: 'http' as EtcdTransport }, env: { FLOTILLA_ETCD_TRANSPORT: 'grpc' }, want: { transport: 'http', bulk: 'http' } },
    { name: 'bulk apart', options: { bulkTransport: 'grpc' as EtcdTransport }, env: {}, want: { transport: 'http', bulk: 'grpc' } },
    { name: 'bulk from env', options: {}, env: { FLOTILLA_ETCD_BULK_TRANSPORT: 'grpc' }, want: { transport: 'http', bulk: 'grpc' } },
    { name: 'an unreadable client certificate: gRPC', options: { tls: { cert: Buffer.from('pem') } }, env: {}, want: { transport: 'grpc', bulk: 'grpc' } },
    { name: 'a client certificate with a CommonName: gRPC (the gateway refuses it)', options: { tls: { cert: certificate('/O=x/CN=client') } }, env: {}, want: { transport: 'grpc', bulk: 'grpc' } },
    { name: 'a client certificate without one (pki init\'s): http', options: { tls: { cert: certificate('/O=Flotilla/OU=flotilla-agent') } }, env: {}, want: { transport: 'http', bulk: 'http' } },
    { name: 'a client certificate, http asked for', options: { tls: { cert: Buffer.from('pem') }, transport: 'http' as EtcdTransport }, env: {}, want: { transport: 'http', bulk: 'http' } },
    { name: 'TLS without a client certificate: http', options: { tls: { ca: Buffer.from('pem') } }, env: {}, want: { transport: 'http', bulk: 'http' } },
  ])('$name', ({ options, env, want }) => {
    expect(chooseTransport({ endpoints: ['http://e:2379'], ...options }, env)).toEqual(want);
  });

  test('an unknown transport is refused, naming the variable', () => {
    expect(() => chooseTransport({ endpoints: [] }, { FLOTILLA_ETCD_TRANSPORT: 'quic' })).toThrow('FLOTILLA_ETCD_TRANSPORT: unknown etcd transport "quic" (http or grpc)');
  });
});

describe('against a real etcd', () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd();
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  test.each(['http', 'grpc'] as const)('%s: connect, write, read back; the registry reports its transport', async (transport) => {
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), transport });
    try {
      expect(registry.transport).toEqual({ transport, bulk: transport });
      await registry.submitUnit(unitSpec('a.service'));
      expect((await registry.listUnits()).map((u) => u.name)).toEqual(['a.service']);
    } finally {
      await registry.close();
    }
  });

  test('http with a gRPC bulk port: snapshot and applySchedule go over gRPC, the rest over HTTP, one keyspace', async () => {
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), bulkTransport: 'grpc' });
    try {
      const unit = await registry.submitUnit(unitSpec('b.service'), { desiredState: 'launched' });
      const snap = await registry.snapshot();
      const result = await registry.applySchedule([{ kind: 'assign', unit, unitModRevision: snap.unitRevisions.get('b.service')!, machineId: 'm1' }], await fenceOf(registry));
      expect(result).toMatchObject({ applied: 1, conflicts: [] });
      expect((await registry.listAssignments('m1')).map((a) => a.unit)).toEqual(['b.service']);
    } finally {
      await registry.close();
    }
  });

  test('one election across transports: a gRPC leader resigns, the HTTP candidate waiting behind it leads', async () => {
    const prefix = freshPrefix();
    const viaGrpc = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, transport: 'grpc' });
    const viaHttp = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, transport: 'http' });
    try {
      const first = await viaGrpc.campaign('grpc-1', 5, new AbortController().signal);
      const second = viaHttp.campaign('http-1', 5, new AbortController().signal);
      expect(await viaHttp.currentLeader()).toBe('grpc-1');
      await first.resign();
      const leadership = await second;
      expect(BigInt(leadership.fence.createRevision)).toBeGreaterThan(BigInt(first.fence.createRevision));
      expect(await viaGrpc.currentLeader()).toBe('http-1');
      await leadership.resign();
    } finally {
      await viaHttp.close();
      await viaGrpc.close();
    }
  });

  test('http: a dead endpoint first in the list costs nothing; requests fail over to the live one', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const registry = await EtcdRegistry.connect({ endpoints: [dead, ...etcd.endpoints], prefix: freshPrefix(), requestTimeoutMs: 1000 });
    try {
      await registry.submitUnit(unitSpec('c.service'));
      expect(await registry.listUnits()).toHaveLength(1);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await registry.close();
    }
  });

  test('http: a watch over the gateway resumes after its connection is cut, without gaps', async () => {
    const proxy = await startTcpProxy(etcd.endpoints[0]!);
    const prefix = freshPrefix();
    const writer = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix });
    const reader = await EtcdRegistry.connect({ endpoints: [proxy.endpoint], prefix, requestTimeoutMs: 1000 });
    const log = new EventLog<WatchEvent<Assignment>>();
    try {
      const sub = await reader.watchAssignments('m1', log.push);
      proxy.cut();
      for (const name of ['d1.service', 'd2.service', 'd3.service']) {
        const unit = await writer.submitUnit(unitSpec(name), { desiredState: 'launched' });
        const snap = await writer.snapshot();
        await writer.assign(unit, snap.unitRevisions.get(name)!, 'm1');
      }
      proxy.restore();
      expect((await log.next(3, 8000)).map((e) => e.key)).toEqual(['d1.service', 'd2.service', 'd3.service']);
      await sub.close();
    } finally {
      await reader.close();
      await writer.close();
      await proxy.close();
    }
  });
});

async function fenceOf(registry: EtcdRegistry) {
  const leadership = await registry.campaign('t', 5, new AbortController().signal);
  return leadership.fence;
}

describe('http against an etcd with user/password auth', () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd({ auth: { rootPassword: 'rootpw', users: [{ name: 'flotilla', password: 's3cret' }] } });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  test('the token from /v3/auth/authenticate opens reads, writes and a watch', async () => {
    const auth = { username: 'flotilla', password: 's3cret' };
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), auth, transport: 'http' });
    try {
      const log = new EventLog<string>();
      const sub = await registry.watchStates('a.service', (e) => log.push(e.key));
      await registry.submitUnit(unitSpec('a.service'));
      expect((await registry.listUnits()).map((u) => u.name)).toEqual(['a.service']);
      const lease = await registry.registerMachine({ id: 'm1', hostname: 'h', ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 }, 5);
      await registry.publishState({ unit: 'a.service', machineId: 'm1', hash: 'h', loadState: 'loaded', activeState: 'active', subState: 'running', updatedAt: 0 }, lease);
      expect(await log.next(1)).toEqual(['m1']);
      await sub.close();
      await lease.revoke();
    } finally {
      await registry.close();
    }
  });

  test('a token etcd invalidated (password changed to itself) is renewed: the next call succeeds', async () => {
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), auth: { username: 'flotilla', password: 's3cret' }, transport: 'http' });
    try {
      await registry.submitUnit(unitSpec('t.service'));
      const root = await gateway<{ token: string }>('/v3/auth/authenticate', { name: 'root', password: 'rootpw' });
      // etcd drops every simple token of a user whose password changes.
      await gateway('/v3/auth/user/changepw', { name: 'flotilla', password: 's3cret' }, root.token);
      expect((await registry.listUnits()).map((u) => u.name)).toEqual(['t.service']);
    } finally {
      await registry.close();
    }
  });

  /** A token cache in memory that records what the transport did with it. */
  function memoryCache(initial?: string) {
    const cache = { token: initial, loads: 0, saves: [] as string[] };
    return { cache, tokenCache: { load: () => (cache.loads++, cache.token), save: (t: string) => (cache.saves.push(t), (cache.token = t)) } };
  }

  test('with a token cache: the first authentication saves its token, and a later connection uses it without authenticating', async () => {
    const prefix = freshPrefix();
    const first = memoryCache();
    const writer = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, auth: { username: 'flotilla', password: 's3cret' }, transport: 'http', authTokenCache: first.tokenCache });
    try {
      await writer.submitUnit(unitSpec('c.service'));
    } finally {
      await writer.close();
    }
    expect(first.cache.saves).toHaveLength(1);
    // A wrong password cannot authenticate, so the call succeeding shows the saved token was used as it is.
    const reuse = memoryCache(first.cache.token);
    const reader = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, auth: { username: 'flotilla', password: 'wrong' }, transport: 'http', authTokenCache: reuse.tokenCache });
    try {
      expect((await reader.listUnits()).map((u) => u.name)).toEqual(['c.service']);
    } finally {
      await reader.close();
    }
    expect(reuse.cache).toMatchObject({ loads: 1, saves: [] });
  });

  test('a cached token etcd rejects is replaced: one new authentication, its token saved, the call succeeds', async () => {
    const prefix = freshPrefix();
    const stale = memoryCache('NotAToken.1');
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, auth: { username: 'flotilla', password: 's3cret' }, transport: 'http', authTokenCache: stale.tokenCache });
    try {
      await registry.submitUnit(unitSpec('r.service'));
      expect((await registry.listUnits()).map((u) => u.name)).toEqual(['r.service']);
    } finally {
      await registry.close();
    }
    expect(stale.cache.loads).toBe(1);
    expect(stale.cache.saves).toHaveLength(1);
    expect(stale.cache.saves[0]).not.toBe('NotAToken.1');
  });

  test('a cached simple token from beyond what etcd has applied (an earlier etcd at this address) is not sent: etcd would hold the call until its deadline', async () => {
    const ahead = memoryCache('FromAnotherEtcd.999999999');
    const t0 = performance.now();
    const registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), auth: { username: 'flotilla', password: 's3cret' }, transport: 'http', requestTimeoutMs: 3000, authTokenCache: ahead.tokenCache });
    try {
      expect(await registry.listUnits()).toEqual([]);
    } finally {
      await registry.close();
    }
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(ahead.cache.saves).toHaveLength(1);
  });

  /** Range calls etcd has answered so far (its gRPC metrics count the gateway's calls too). */
  async function rangesAnswered(): Promise<number> {
    const text = await (await fetch(`${etcd.endpoints[0]}/metrics`)).text();
    return Number(/^grpc_server_handled_total\{grpc_code="OK",grpc_method="Range",[^}]*\} (\d+)$/m.exec(text)?.[1] ?? NaN);
  }

  test('oneConnection with a saved token: connecting reads nothing (the token check stands in for the probe), and parallel reads share one connection', async () => {
    const auth = { username: 'flotilla', password: 's3cret' };
    const prefix = freshPrefix();
    const first = memoryCache();
    const writer = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, auth, transport: 'http', authTokenCache: first.tokenCache });
    try {
      await writer.submitUnits([unitSpec('p.service'), unitSpec('q.service')]);
    } finally {
      await writer.close();
    }
    const proxy = await startTcpProxy(etcd.endpoints[0] as string);
    try {
      const before = await rangesAnswered();
      const reader = await EtcdRegistry.connect({ endpoints: [proxy.endpoint], prefix, auth, transport: 'http', oneConnection: true, authTokenCache: memoryCache(first.cache.token).tokenCache });
      try {
        expect(await rangesAnswered()).toBe(before);
        const lists = await Promise.all([reader.listUnits(), reader.listUnits(), reader.listUnits()]);
        for (const units of lists) expect(units.map((u) => u.name)).toEqual(['p.service', 'q.service']);
        expect(proxy.connections()).toBe(1);
      } finally {
        await reader.close();
      }
    } finally {
      await proxy.close();
    }
  });

  async function gateway<T>(path: string, body: unknown, token?: string): Promise<T> {
    const res = await fetch(`${etcd.endpoints[0]}${path}`, { method: 'POST', body: JSON.stringify(body), headers: token ? { authorization: token } : {} });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  }

  test.each([
    ['a wrong password', { username: 'flotilla', password: 'nope' }, /authentication failed/],
    ['no credentials', undefined, /user name is empty|permission denied|invalid auth token/],
  ])('%s is refused with REGISTRY_ERROR', async (_name, auth, message) => {
    const err = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: freshPrefix(), transport: 'http', ...(auth ? { auth } : {}) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'REGISTRY_ERROR' });
    expect((err as Error).message).toMatch(message);
  });
});

describe('http against a 3-member etcd', () => {
  let etcd: EtcdHandle;
  beforeAll(async () => {
    etcd = await startEtcd({ members: 3 });
  });
  afterAll(async () => {
    await etcd?.stop();
  });

  test('the member a watch and the calls use is killed: both fail over to the others, nothing lost', async () => {
    const prefix = freshPrefix();
    const [first, ...others] = etcd.members;
    const reader = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix, transport: 'http', requestTimeoutMs: 2000 });
    const writer = await EtcdRegistry.connect({ endpoints: others.map((m) => m.endpoint), prefix });
    try {
      const log = new EventLog<WatchEvent<Assignment>>();
      await reader.watchAssignments('m1', log.push);
      await etcd.killMember(first!.name);
      // If it led, the others elect a new leader first (etcd's election timeout is 1 s).
      await eventually(async () => (await writer.listUnits().catch(() => undefined)) !== undefined, 15_000, 'a leader again');
      for (const name of ['f1.service', 'f2.service']) {
        const unit = await writer.submitUnit(unitSpec(name), { desiredState: 'launched' });
        await writer.assign(unit, (await writer.snapshot()).unitRevisions.get(name)!, 'm1');
      }
      expect((await log.next(2, 10_000)).map((e) => e.key)).toEqual(['f1.service', 'f2.service']);
      expect((await reader.listUnits()).map((u) => u.name)).toEqual(['f1.service', 'f2.service']);
    } finally {
      await reader.close();
      await writer.close();
    }
  });
});
