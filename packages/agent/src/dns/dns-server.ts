/**
 * The per-machine discovery DNS server over UDP (node:dgram, wire format by dns-packet): decodes a query, answers it
 * from the current name table (answer.ts) or forwards it upstream (forward.ts), SERVFAIL when no upstream answers.
 * Undecodable datagrams are dropped, as BIND drops them. No TCP: every answer fits a 512-byte datagram (MAX_ANSWERS).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Logger } from 'pino';
import { answerQuery, RCODE, type AnswerOptions } from './answer.js';
import { DEFAULT_FORWARD_TIMEOUT_MS, forwardQuery } from './forward.js';
import type { NameTable } from './name-table.js';

export const DEFAULT_DNS_TTL_SEC = 1;
/** Forwards in flight at once; beyond, SERVFAIL at once: a flood of outside names cannot open sockets without end. */
export const MAX_FORWARDS_IN_FLIGHT = 256;

export interface DnsServerOptions {
  address: string;
  port: number;
  table: () => NameTable;
  /** Resolvers for names outside the zone; none: such names get REFUSED. Read per query (resolv.conf may change). */
  upstreams: () => readonly string[];
  ttlSec?: number;
  forwardTimeoutMs?: number;
  /** Port the upstreams listen on (tests); 53. */
  upstreamPort?: number;
  /** Default MAX_FORWARDS_IN_FLIGHT. */
  maxForwards?: number;
  logger: Logger;
}

export interface DnsServer {
  readonly address: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startDnsServer(opts: DnsServerOptions): Promise<DnsServer> {
  const socket = dgram.createSocket(net.isIPv6(opts.address) ? 'udp6' : 'udp4');
  let rotate = 0;
  let forwarding = 0;
  const send = (packet: Buffer, to: dgram.RemoteInfo) => socket.send(packet, to.port, to.address, (err) => {
    if (err) opts.logger.debug({ err, to: to.address }, 'dns reply not sent');
  });
  const handle = async (message: Buffer, from: dgram.RemoteInfo) => {
    let query: DecodedPacket & { opcode?: string };
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const upstreams = opts.upstreams();
    const answerOpts: AnswerOptions = { ttlSec: opts.ttlSec ?? DEFAULT_DNS_TTL_SEC, forward: upstreams.length > 0, rotate: rotate++ };
    const reply = answerQuery(query, opts.table(), answerOpts);
    if (reply.kind === 'reply') return send(dnsPacket.encode(reply.packet), from);
    if (forwarding >= (opts.maxForwards ?? MAX_FORWARDS_IN_FLIGHT)) return send(servfail(query), from);
    forwarding++;
    try {
      const forwarded = await forwardQuery(message, upstreams, { timeoutMs: opts.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS, ...(opts.upstreamPort ? { port: opts.upstreamPort } : {}) });
      send(forwarded ?? servfail(query), from);
    } finally {
      forwarding--;
    }
  };
  socket.on('message', (message, from) => {
    handle(message, from).catch((err: unknown) => opts.logger.warn({ err }, 'dns query failed'));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port, opts.address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (err) => opts.logger.warn({ err }, 'dns socket error'));
  const bound = socket.address();
  return {
    address: bound.address,
    port: bound.port,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function servfail(query: DecodedPacket): Buffer {
  return dnsPacket.encode({
    type: 'response', id: query.id ?? 0, flags: ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | RCODE.SERVFAIL,
    questions: query.questions ?? [],
  });
}
