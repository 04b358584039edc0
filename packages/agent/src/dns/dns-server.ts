/**
 * The per-machine discovery DNS server: UDP (node:dgram) and TCP (node:net, RFC 7766) on one address and port, both
 * answering through the responder (responder.ts). A TCP connection may carry several queries; it is closed after
 * TCP_IDLE_MS without one, and at most MAX_TCP_CONNECTIONS are open at once.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import { createResponder, type Responder, type ResponderOptions } from './responder.js';
import { frame, MAX_TCP_BUFFER, splitFrames } from './tcp-framing.js';

export { DEFAULT_DNS_TTL_SEC, MAX_FORWARDS_IN_FLIGHT } from './responder.js';
const TCP_IDLE_MS = 10_000;
const MAX_TCP_CONNECTIONS = 128;

export interface DnsServerOptions extends ResponderOptions {
  address: string;
  /** 0: any free port (UDP picks it, TCP takes the same). */
  port: number;
  logger: Logger;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

function listenUdp(opts: DnsServerOptions, respond: Responder): Promise<dgram.Socket> {
  const socket = dgram.createSocket(net.isIPv6(opts.address) ? 'udp6' : 'udp4');
  socket.on('message', (message, from) => {
    respond(message, 'udp').then(
      (reply) => reply && socket.send(reply, from.port, from.address, (err) => err && opts.logger.debug({ err, to: from.address }, 'dns reply not sent')),
      (err: unknown) => opts.logger.warn({ err }, 'dns query failed'),
    );
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.address, () => {
      socket.off('error', reject);
      socket.on('error', (err) => opts.logger.warn({ err }, 'dns udp socket error'));
      resolve(socket);
    });
  });
}

function serveConnection(conn: net.Socket, respond: Responder, logger: Logger): void {
  let buffered = Buffer.alloc(0);
  conn.setTimeout(TCP_IDLE_MS, () => conn.destroy());
  conn.on('error', () => conn.destroy());
  conn.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    if (buffered.length > MAX_TCP_BUFFER) return void conn.destroy();
    const { messages, rest } = splitFrames(buffered);
    buffered = Buffer.from(rest);
    for (const message of messages) {
      respond(Buffer.from(message), 'tcp').then(
        (reply) => {
          if (reply === undefined) conn.destroy(); // not DNS: the stream cannot be trusted to be framed either
          else if (!conn.destroyed) conn.write(frame(reply));
        },
        (err: unknown) => logger.warn({ err }, 'dns query failed'),
      );
    }
  });
}

function listenTcp(opts: DnsServerOptions, port: number, respond: Responder, open: Set<net.Socket>): Promise<net.Server> {
  const server = net.createServer((conn) => {
    open.add(conn);
    conn.on('close', () => open.delete(conn));
    serveConnection(conn, respond, opts.logger);
  });
  server.maxConnections = MAX_TCP_CONNECTIONS;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, opts.address, () => {
      server.off('error', reject);
      server.on('error', (err) => opts.logger.warn({ err }, 'dns tcp server error'));
      resolve(server);
    });
  });
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const respond = createResponder(opts);
  const udp = await listenUdp(opts, respond);
  const port = udp.address().port;
  const open = new Set<net.Socket>();
  let tcp: net.Server;
  try {
    tcp = await listenTcp(opts, port, respond, open);
  } catch (err) {
    udp.close();
    throw err;
  }
  return {
    address: udp.address().address,
    port,
    async close() {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      // Open connections (idle ones included) go with the server, or close() would wait for their idle timeout.
      const closed = new Promise<void>((resolve) => tcp.close(() => resolve()));
      for (const conn of open) conn.destroy();
      await closed;
    },
  };
}
