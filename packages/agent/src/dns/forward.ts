/**
 * Forwards one raw query to the upstream resolvers, one after another, each with its own deadline. Over UDP from a
 * fresh socket per attempt (a random source port, so an off-path spoofer must guess it, RFC 5452 section 4; a
 * reply counts only from the resolver asked and with the query's id); over TCP for a query that came over TCP (so
 * an answer too big for a datagram comes back whole).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { frame, MAX_TCP_BUFFER, splitFrames } from './tcp-framing.js';

export const DEFAULT_FORWARD_TIMEOUT_MS = 2000;
export type Transport = 'udp' | 'tcp';

function askUdp(query: Buffer, server: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(server) ? 'udp6' : 'udp4');
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('message', (msg, from) => {
      if (from.address === server && from.port === port && msg.length >= 2 && msg.readUInt16BE(0) === query.readUInt16BE(0)) done(msg);
    });
    socket.send(query, port, server, (err) => err && done(undefined));
  });
}

function askTcp(query: Buffer, server: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const socket = net.connect({ host: server, port });
    const done = (reply: Buffer | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
    socket.on('connect', () => socket.write(frame(query)));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length > MAX_TCP_BUFFER) return done(undefined);
      const reply = splitFrames(received).messages.find((m) => m.length >= 2 && m.readUInt16BE(0) === query.readUInt16BE(0));
      if (reply) done(Buffer.from(reply));
    });
  });
}

/** The first upstream reply, or undefined when none answered in time (the caller answers SERVFAIL). */
export async function forwardQuery(
  query: Buffer,
  upstreams: readonly string[],
  opts: { timeoutMs: number; port?: number; transport?: Transport },
): Promise<Buffer | undefined> {
  const ask = opts.transport === 'tcp' ? askTcp : askUdp;
  for (const server of upstreams) {
    const reply = await ask(query, server, opts.port ?? 53, opts.timeoutMs);
    if (reply) return reply;
  }
  return undefined;
}
