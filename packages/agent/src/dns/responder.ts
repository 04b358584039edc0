/**
 * One raw DNS message → the raw reply, the same for UDP and TCP: decoded by dns-packet, answered from the name table
 * (answer.ts) or forwarded upstream over the transport it came by (forward.ts), SERVFAIL when no upstream answers
 * or too many forwards are in flight. Undefined for a message that does not decode (dropped, as BIND drops them).
 */
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import { answerQuery, MAX_UDP_ANSWERS, RCODE } from './answer.js';
import { DEFAULT_FORWARD_TIMEOUT_MS, forwardQuery, type Transport } from './forward.js';
import type { NameTable } from './name-table.js';

export const DEFAULT_DNS_TTL_SEC = 1;
/** Forwards in flight at once; beyond, SERVFAIL at once: a flood of outside names cannot open sockets without end. */
export const MAX_FORWARDS_IN_FLIGHT = 256;

export interface ResponderOptions {
  table: () => NameTable;
  /** Resolvers for names outside the zone; none: such names get REFUSED. Read per query (resolv.conf may change). */
  upstreams: () => readonly string[];
  ttlSec?: number;
  forwardTimeoutMs?: number;
  /** Port the upstreams listen on (tests); 53. */
  upstreamPort?: number;
  /** Default MAX_FORWARDS_IN_FLIGHT. */
  maxForwards?: number;
}

export type Responder = (message: Buffer, transport: Transport) => Promise<Buffer | undefined>;

export function createResponder(opts: ResponderOptions): Responder {
  let rotate = 0;
  let forwarding = 0;
  return async (message, transport) => {
    let query: DecodedPacket & { opcode?: string };
    try {
      query = dnsPacket.decode(message);
    } catch {
      return undefined;
    }
    const upstreams = opts.upstreams();
    const reply = answerQuery(query, opts.table(), {
      ttlSec: opts.ttlSec ?? DEFAULT_DNS_TTL_SEC,
      forward: upstreams.length > 0,
      rotate: rotate++,
      ...(transport === 'udp' ? { maxAnswers: MAX_UDP_ANSWERS } : {}),
    });
    if (reply.kind === 'reply') return dnsPacket.encode(reply.packet);
    if (forwarding >= (opts.maxForwards ?? MAX_FORWARDS_IN_FLIGHT)) return servfail(query);
    forwarding++;
    try {
      const forwarded = await forwardQuery(message, upstreams, {
        timeoutMs: opts.forwardTimeoutMs ?? DEFAULT_FORWARD_TIMEOUT_MS, transport, ...(opts.upstreamPort ? { port: opts.upstreamPort } : {}),
      });
      return forwarded ?? servfail(query);
    } finally {
      forwarding--;
    }
  };
}

function servfail(query: DecodedPacket): Buffer {
  return dnsPacket.encode({
    type: 'response', id: query.id ?? 0, flags: ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) | dnsPacket.RECURSION_AVAILABLE | RCODE.SERVFAIL,
    questions: query.questions ?? [],
  });
}
