/**
 * One DNS query → the reply (docs/discovery.md). Pure: the decoded query, the name table and the options in; an
 * encoded-ready reply packet out, or "forward" for a name outside the zone. Names in `flotilla.` are answered with
 * authority: A/AAAA from the table, NODATA for another type or an empty non-terminal, NXDOMAIN for an unknown
 * name, both negatives with the zone's SOA so a resolver caches them no longer than the TTL (RFC 2308).
 */
import net from 'node:net';
import { DISCOVERY_ZONE } from '@flotilla/core';
import { AUTHORITATIVE_ANSWER, RECURSION_AVAILABLE, RECURSION_DESIRED, TRUNCATED_RESPONSE, type Answer, type Packet, type Question } from 'dns-packet';
import type { NameTable } from './name-table.js';

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
export type Rcode = keyof typeof RCODE;

/** Addresses that fit a 512-byte UDP reply (RFC 1035 4.2.1) with room to spare: 16 bytes an A record with a
 * compressed name. More instances than this: over UDP the first MAX_UDP_ANSWERS of the rotated list with the TC
 * flag, so the client asks again over TCP and gets them all. */
export const MAX_UDP_ANSWERS = 24;

export interface AnswerOptions {
  ttlSec: number;
  /** Whether names outside the zone are forwarded (else REFUSED). */
  forward: boolean;
  /** Rotates the address list so clients that take the first address spread over the instances. */
  rotate: number;
  /** At most this many addresses, the reply then marked truncated (UDP: MAX_UDP_ANSWERS); default all (TCP). */
  maxAnswers?: number;
}

export type Reply = { kind: 'reply'; rcode: Rcode; packet: Packet } | { kind: 'forward' };

/** `Db.Flotilla.` → `db.flotilla`. */
export function normalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function inZone(name: string): boolean {
  return name === DISCOVERY_ZONE || name.endsWith(`.${DISCOVERY_ZONE}`);
}

function reply(query: Packet, rcode: Rcode, opts: AnswerOptions, sections: Pick<Packet, 'answers' | 'authorities'> = {}, authoritative = true, truncated = false): Reply {
  const flags = ((query.flags ?? 0) & RECURSION_DESIRED) | (authoritative ? AUTHORITATIVE_ANSWER : 0) | (opts.forward ? RECURSION_AVAILABLE : 0) |
    (truncated ? TRUNCATED_RESPONSE : 0) | RCODE[rcode];
  return {
    kind: 'reply',
    rcode,
    packet: { type: 'response', id: query.id ?? 0, flags, questions: query.questions ?? [], answers: sections.answers ?? [], authorities: sections.authorities ?? [] },
  };
}

export function soaRecord(ttlSec: number): Answer {
  return {
    name: DISCOVERY_ZONE, type: 'SOA', class: 'IN', ttl: ttlSec,
    data: { mname: `ns.${DISCOVERY_ZONE}`, rname: `hostmaster.${DISCOVERY_ZONE}`, serial: 1, refresh: 60, retry: 10, expire: 600, minimum: ttlSec },
  };
}

function rotated<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const start = by % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

function addressAnswers(question: Question, ips: readonly string[], opts: AnswerOptions): { answers: Answer[]; truncated: boolean } {
  // dns-packet decodes type 255 as 'ANY', which its typings leave out.
  const type: string = question.type;
  const want = (ip: string) => type === 'ANY' || (type === 'A' && net.isIPv4(ip)) || (type === 'AAAA' && net.isIPv6(ip));
  const all = rotated(ips.filter(want), opts.rotate);
  const kept = all.slice(0, opts.maxAnswers ?? all.length);
  const answers = kept.map((ip) => ({
    name: question.name, type: net.isIPv4(ip) ? ('A' as const) : ('AAAA' as const), class: 'IN' as const, ttl: opts.ttlSec, data: ip,
  }));
  return { answers, truncated: kept.length < all.length };
}

export function answerQuery(query: Packet & { opcode?: string }, table: NameTable, opts: AnswerOptions): Reply {
  if (query.type === 'response') return reply(query, 'FORMERR', opts, {}, false);
  if (query.opcode !== undefined && query.opcode !== 'QUERY') return reply(query, 'NOTIMP', opts, {}, false);
  const questions = query.questions ?? [];
  if (questions.length !== 1) return reply(query, 'FORMERR', opts, {}, false);
  const question = questions[0] as Question;
  const name = normalName(question.name);
  if (!inZone(name)) return opts.forward ? { kind: 'forward' } : reply(query, 'REFUSED', opts, {}, false);
  if (question.class !== undefined && question.class !== 'IN' && question.class !== 'ANY') return reply(query, 'NOTIMP', opts);
  const negative = { authorities: [soaRecord(opts.ttlSec)] };
  const ips = table.addresses.get(name);
  if (ips !== undefined) {
    const { answers, truncated } = addressAnswers(question, ips, opts);
    return answers.length > 0 ? reply(query, 'NOERROR', opts, { answers }, true, truncated) : reply(query, 'NOERROR', opts, negative);
  }
  if (name === DISCOVERY_ZONE && question.type === 'SOA') return reply(query, 'NOERROR', opts, { answers: [soaRecord(opts.ttlSec)] });
  if (table.parents.has(name)) return reply(query, 'NOERROR', opts, negative);
  return reply(query, 'NXDOMAIN', opts, negative);
}
