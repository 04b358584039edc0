/**
 * Forwards one raw query to the upstream resolvers, one after another, each with its own deadline, over a fresh
 * UDP socket per attempt (a random source port, so an off-path spoofer must guess it, RFC 5452 section 4). A reply
 * counts only from the resolver asked and with the query's id.
 */
import dgram from 'node:dgram';
import net from 'node:net';

export const DEFAULT_FORWARD_TIMEOUT_MS = 2000;

function askOne(query: Buffer, server: string, port: number, timeoutMs: number): Promise<Buffer | undefined> {
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

/** The first upstream reply, or undefined when none answered in time (the caller answers SERVFAIL). */
export async function forwardQuery(query: Buffer, upstreams: readonly string[], opts: { timeoutMs: number; port?: number }): Promise<Buffer | undefined> {
  for (const server of upstreams) {
    const reply = await askOne(query, server, opts.port ?? 53, opts.timeoutMs);
    if (reply) return reply;
  }
  return undefined;
}
