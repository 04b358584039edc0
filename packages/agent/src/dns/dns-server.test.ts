/** The DNS server over real UDP and TCP on loopback, asked by Node's own resolver (c-ares) and by raw messages. */
import dgram from 'node:dgram';
import net from 'node:net';
import { Resolver } from 'node:dns/promises';
import dnsPacket, { type Answer, type Packet } from 'dns-packet';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startDnsServer, type DnsServer } from './dns-server.js';
import { buildNameTable, type NameTable } from './name-table.js';
import { frame, splitFrames } from './tcp-framing.js';

const logger = pino({ level: 'silent' });
let table: NameTable = buildNameTable([
  { unit: 'db.service', machineId: 'a', ip: '10.0.0.1', port: 5432 },
  { unit: 'shop-api.container', machineId: 'b', ip: '10.0.0.2', port: 80, service: 'api', project: 'shop' },
]);

/** A stand-in upstream resolver on UDP and TCP (same port): answers every A query with 192.0.2.53, or stays silent.
 * `asked` lists `udp:NAME` / `tcp:NAME`. */
/** The same port for UDP and TCP: a UDP port the kernel picked may be taken for TCP, so try again (5 attempts). */
async function fakeUpstream(silent: boolean): Promise<{ port: number; close: () => void; asked: string[] }> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fakeUpstreamOnce(silent);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt === 5) throw err;
    }
  }
}

async function fakeUpstreamOnce(silent: boolean): Promise<{ port: number; close: () => void; asked: string[] }> {
  const socket = dgram.createSocket('udp4');
  const asked: string[] = [];
  const answer = (msg: Buffer, transport: string): Buffer | undefined => {
    const q = dnsPacket.decode(msg);
    asked.push(`${transport}:${q.questions?.[0]?.name ?? ''}`);
    if (silent) return undefined;
    return dnsPacket.encode({ type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_AVAILABLE, questions: q.questions ?? [],
      answers: [{ name: q.questions![0]!.name, type: 'A', ttl: 300, data: '192.0.2.53' }] });
  };
  socket.on('message', (msg, from) => {
    const reply = answer(msg, 'udp');
    if (reply) socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const port = socket.address().port;
  const conns = new Set<net.Socket>();
  const tcp = net.createServer((conn) => {
    conns.add(conn);
    conn.on('error', () => undefined);
    conn.on('data', (chunk: Buffer) => {
      for (const m of splitFrames(chunk).messages) {
        const reply = answer(Buffer.from(m), 'tcp');
        if (reply) conn.write(frame(reply));
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => (tcp.off('error', reject), resolve()));
    });
  } catch (err) {
    socket.close();
    throw err;
  }
  return { port, asked, close: () => (socket.close(), tcp.close(), conns.forEach((c) => c.destroy())) };
}

/** Sends framed queries on one TCP connection; resolves with the decoded replies once `count` came (3 s deadline). */
function askTcp(port: number, packets: Packet[]): Promise<Decoded[]> {
  return new Promise((resolve, reject) => {
    const conn = net.connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => (conn.destroy(), reject(new Error('no TCP reply in 3 s'))), 3000);
    conn.on('error', (err) => (clearTimeout(timer), reject(err)));
    conn.on('connect', () => conn.write(Buffer.concat(packets.map((p) => frame(dnsPacket.encode(p))))));
    conn.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const { messages } = splitFrames(received);
      if (messages.length < packets.length) return;
      clearTimeout(timer);
      conn.destroy();
      resolve(messages.map((m) => dnsPacket.decode(Buffer.from(m)) as Decoded));
    });
  });
}

/** dns-packet decodes the rcode too; its typings leave it out. */
type Decoded = ReturnType<typeof dnsPacket.decode> & { rcode?: string };
const dataOf = (a: Answer | undefined) => (a && 'data' in a ? a.data : undefined);

function ask(port: number, packet: Packet): Promise<Decoded> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => (socket.close(), reject(new Error('no DNS reply in 3 s'))), 3000);
    socket.on('message', (msg) => (clearTimeout(timer), socket.close(), resolve(dnsPacket.decode(msg))));
    socket.send(dnsPacket.encode(packet), port, '127.0.0.1');
  });
}

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function resolverFor(server: DnsServer): Resolver {
  const resolver = new Resolver({ timeout: 4000, tries: 1 });
  resolver.setServers([`127.0.0.1:${server.port}`]);
  return resolver;
}

describe('with an upstream that answers', () => {
  let upstream: Awaited<ReturnType<typeof fakeUpstream>>;
  let server: DnsServer;
  beforeAll(async () => {
    upstream = await fakeUpstream(false);
    server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => ['127.0.0.1'], upstreamPort: upstream.port, logger });
  });
  afterAll(async () => {
    await server?.close();
    upstream?.close();
  });

  test('answers a service name, a project name, and NXDOMAIN for an unknown name', async () => {
    const resolver = resolverFor(server);
    expect(await resolver.resolve4('db.flotilla')).toEqual(['10.0.0.1']);
    expect(await resolver.resolve4('api.shop.flotilla')).toEqual(['10.0.0.2']);
    await expect(resolver.resolve4('nope.flotilla')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    expect(upstream.asked).toEqual([]);
  });

  test('the reply is authoritative with TTL 1 s', async () => {
    const reply = await ask(server.port, { type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'db.flotilla', type: 'A' }] });
    expect({ id: reply.id, aa: reply.flag_aa, rcode: reply.rcode, answers: reply.answers?.map((a) => [a.type, 'ttl' in a && a.ttl, dataOf(a)]) })
      .toEqual({ id: 4242, aa: true, rcode: 'NOERROR', answers: [['A', 1, '10.0.0.1']] });
  });

  test('a table change is answered at once', async () => {
    const before = table;
    table = buildNameTable([{ unit: 'db.service', machineId: 'c', ip: '10.0.0.9', port: 5432 }]);
    try {
      expect(await resolverFor(server).resolve4('db.flotilla')).toEqual(['10.0.0.9']);
    } finally {
      table = before;
    }
  });

  test('a name outside the zone is forwarded upstream', async () => {
    expect(await resolverFor(server).resolve4('example.test')).toEqual(['192.0.2.53']);
    expect(upstream.asked).toEqual(['udp:example.test']);
  });

  test('over TCP: two queries on one connection are both answered; an outside name is forwarded over TCP', async () => {
    const replies = await askTcp(server.port, [
      { type: 'query', id: 11, questions: [{ name: 'db.flotilla', type: 'A' }] },
      { type: 'query', id: 12, questions: [{ name: 'tcp.example', type: 'A' }] },
    ]);
    const seen = replies.map((r) => [r.id, r.rcode, dataOf(r.answers?.[0])]).sort();
    expect(seen).toEqual([[11, 'NOERROR', '10.0.0.1'], [12, 'NOERROR', '192.0.2.53']]);
    expect(upstream.asked).toContain('tcp:tcp.example');
  });

  test('more instances than a datagram holds: UDP answers 24 with TC, and the resolver gets all 40 over TCP', async () => {
    const before = table;
    table = buildNameTable(Array.from({ length: 40 }, (_, i) => ({ unit: `w@${i}.service`, machineId: `m${i}`, ip: `10.0.1.${i}`, port: 80 })));
    try {
      const udp = await ask(server.port, { type: 'query', id: 5, questions: [{ name: 'w.flotilla', type: 'A' }] });
      expect({ count: udp.answers?.length, tc: udp.flag_tc }).toEqual({ count: 24, tc: true });
      expect((await resolverFor(server).resolve4('w.flotilla')).length).toBe(40);
    } finally {
      table = before;
    }
  });

  test('garbage is dropped and the server keeps answering', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.send(Buffer.from([1, 2, 3]), server.port, '127.0.0.1', () => r()));
    socket.close();
    expect(await resolverFor(server).resolve4('db.flotilla')).toEqual(['10.0.0.1']);
  });
});

test('an upstream that does not answer gives SERVFAIL after the forward deadline', async () => {
  const upstream = await fakeUpstream(true);
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => ['127.0.0.1'], upstreamPort: upstream.port, forwardTimeoutMs: 300, logger });
  try {
    const started = Date.now();
    const reply = await ask(server.port, { type: 'query', id: 9, questions: [{ name: 'example.test', type: 'A' }] });
    expect({ rcode: reply.rcode, asked: upstream.asked }).toEqual({ rcode: 'SERVFAIL', asked: ['udp:example.test'] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  } finally {
    await server.close();
    upstream.close();
  }
});

test('past the cap of forwards in flight, an outside name gets SERVFAIL at once; the zone is still answered', async () => {
  const upstream = await fakeUpstream(true);
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => ['127.0.0.1'], upstreamPort: upstream.port, forwardTimeoutMs: 2000, maxForwards: 1, logger });
  try {
    const held = ask(server.port, { type: 'query', id: 1, questions: [{ name: 'one.example', type: 'A' }] });
    await waitFor(() => upstream.asked.length === 1);
    const started = Date.now();
    const refused = await ask(server.port, { type: 'query', id: 2, questions: [{ name: 'two.example', type: 'A' }] });
    const inside = await ask(server.port, { type: 'query', id: 3, questions: [{ name: 'db.flotilla', type: 'A' }] });
    expect({ second: refused.rcode, fast: Date.now() - started < 1000, inside: inside.rcode, asked: upstream.asked }).toEqual({ second: 'SERVFAIL', fast: true, inside: 'NOERROR', asked: ['udp:one.example'] });
    expect((await held).rcode).toBe('SERVFAIL');
  } finally {
    await server.close();
    upstream.close();
  }
});

test('no upstream: names outside the zone are REFUSED, the zone still answered', async () => {
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => [], logger });
  try {
    const outside = await ask(server.port, { type: 'query', id: 1, questions: [{ name: 'example.test', type: 'A' }] });
    const inside = await ask(server.port, { type: 'query', id: 2, questions: [{ name: 'db.flotilla', type: 'A' }] });
    expect([outside.rcode, inside.rcode, dataOf(inside.answers?.[0])]).toEqual(['REFUSED', 'NOERROR', '10.0.0.1']);
  } finally {
    await server.close();
  }
});

test('close ends open TCP connections too', async () => {
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => [], logger });
  const conn = net.connect({ host: '127.0.0.1', port: server.port });
  await new Promise((r) => conn.on('connect', r));
  const closed = new Promise((r) => conn.on('close', r));
  const started = Date.now();
  await server.close();
  await closed;
  expect(Date.now() - started).toBeLessThan(1000);
});

test('a port in use fails the start with EADDRINUSE', async () => {
  const server = await startDnsServer({ address: '127.0.0.1', port: 0, table: () => table, upstreams: () => [], logger });
  try {
    await expect(startDnsServer({ address: '127.0.0.1', port: server.port, table: () => table, upstreams: () => [], logger })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  } finally {
    await server.close();
  }
});
