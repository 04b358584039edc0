import { AUTHORITATIVE_ANSWER, RECURSION_AVAILABLE, RECURSION_DESIRED, TRUNCATED_RESPONSE, type Packet, type RecordType } from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { answerQuery, MAX_UDP_ANSWERS, type AnswerOptions, type Rcode } from './answer.js';
import { buildNameTable } from './name-table.js';

const table = buildNameTable([
  { unit: 'db.service', machineId: 'a', ip: '10.0.0.1', port: 5432 },
  { unit: 'app@1.service', machineId: 'a', ip: '10.0.0.1', port: 80, service: 'app' },
  { unit: 'app@2.service', machineId: 'b', ip: '10.0.0.2', port: 80, service: 'app' },
  { unit: 'app@3.service', machineId: 'c', ip: '10.0.0.3', port: 80, service: 'app' },
  { unit: 'shop-db.container', machineId: 'b', ip: '10.0.0.2', port: 6379, service: 'db', project: 'shop' },
  { unit: 'v6.service', machineId: 'd', ip: 'fd00::4', port: 80 },
]);

const query = (name: string, type: string = 'A', extra: Partial<Packet> & { opcode?: string } = {}): Packet =>
  ({ type: 'query', id: 7, flags: RECURSION_DESIRED, questions: [{ name, type: type as RecordType, class: 'IN' }], ...extra });
const opts = (o: Partial<AnswerOptions> = {}): AnswerOptions => ({ ttlSec: 1, forward: true, rotate: 0, ...o });

interface Seen { rcode: Rcode; answers: string[]; authority: string[]; aa: boolean; ra: boolean }
function seen(reply: ReturnType<typeof answerQuery>): Seen | 'forward' {
  if (reply.kind === 'forward') return 'forward';
  const p = reply.packet;
  return {
    rcode: reply.rcode,
    answers: (p.answers ?? []).map((a) => `${a.name} ${a.type} ${String('data' in a ? a.data : '')} ttl=${'ttl' in a ? a.ttl : '-'}`),
    authority: (p.authorities ?? []).map((a) => `${a.name} ${a.type}`),
    aa: ((p.flags ?? 0) & AUTHORITATIVE_ANSWER) !== 0,
    ra: ((p.flags ?? 0) & RECURSION_AVAILABLE) !== 0,
  };
}
const ok = (answers: string[]): Seen => ({ rcode: 'NOERROR', answers, authority: [], aa: true, ra: true });
const negative = (rcode: Rcode): Seen => ({ rcode, answers: [], authority: ['flotilla SOA'], aa: true, ra: true });

describe('answerQuery', () => {
  test.each<[string, Packet, Partial<AnswerOptions>, Seen | 'forward']>([
    ['a service', query('db.flotilla'), {}, ok(['db.flotilla A 10.0.0.1 ttl=1'])],
    ['trailing dot and case kept as asked', query('DB.Flotilla.'), {}, ok(['DB.Flotilla. A 10.0.0.1 ttl=1'])],
    ['every instance', query('app.flotilla'), {}, ok(['app.flotilla A 10.0.0.1 ttl=1', 'app.flotilla A 10.0.0.2 ttl=1', 'app.flotilla A 10.0.0.3 ttl=1'])],
    ['rotated', query('app.flotilla'), { rotate: 4 }, ok(['app.flotilla A 10.0.0.2 ttl=1', 'app.flotilla A 10.0.0.3 ttl=1', 'app.flotilla A 10.0.0.1 ttl=1'])],
    ['the TTL given', query('db.flotilla'), { ttlSec: 5 }, ok(['db.flotilla A 10.0.0.1 ttl=5'])],
    ['a project service', query('db.shop.flotilla'), {}, ok(['db.shop.flotilla A 10.0.0.2 ttl=1'])],
    ['AAAA of an IPv4-only name: NODATA', query('db.flotilla', 'AAAA'), {}, negative('NOERROR')],
    ['AAAA of an IPv6 name', query('v6.flotilla', 'AAAA'), {}, ok(['v6.flotilla AAAA fd00::4 ttl=1'])],
    ['A of an IPv6-only name: NODATA', query('v6.flotilla'), {}, negative('NOERROR')],
    ['ANY gives both families', query('db.flotilla', 'ANY'), {}, ok(['db.flotilla A 10.0.0.1 ttl=1'])],
    ['TXT of a name: NODATA', query('db.flotilla', 'TXT'), {}, negative('NOERROR')],
    ['unknown name: NXDOMAIN with the SOA', query('nope.flotilla'), {}, negative('NXDOMAIN')],
    ['a service of another project: NXDOMAIN', query('app.shop.flotilla'), {}, negative('NXDOMAIN')],
    ['the project itself: empty non-terminal, NODATA', query('shop.flotilla'), {}, negative('NOERROR')],
    ['the zone apex A: NODATA', query('flotilla'), {}, negative('NOERROR')],
    ['the zone apex SOA', query('flotilla.', 'SOA'), {}, ok(['flotilla SOA [object Object] ttl=1'])],
    ['below a service: NXDOMAIN', query('x.db.flotilla'), {}, negative('NXDOMAIN')],
    ['a name ending in flotilla but outside the zone: forwarded', query('notflotilla'), {}, 'forward'],
    ['outside the zone: forwarded', query('example.com'), {}, 'forward'],
    ['outside the zone, no upstream: REFUSED', query('example.com'), { forward: false }, { rcode: 'REFUSED', answers: [], authority: [], aa: false, ra: false }],
    ['in the zone, no upstream: answered, no RA', query('db.flotilla'), { forward: false }, { ...ok(['db.flotilla A 10.0.0.1 ttl=1']), ra: false }],
    ['no question: FORMERR', { type: 'query', id: 1, questions: [] }, {}, { rcode: 'FORMERR', answers: [], authority: [], aa: false, ra: true }],
    ['two questions: FORMERR', { ...query('db.flotilla'), questions: [...query('a.flotilla').questions!, ...query('b.flotilla').questions!] }, {},
      { rcode: 'FORMERR', answers: [], authority: [], aa: false, ra: true }],
    ['a response sent to us: FORMERR', query('db.flotilla', 'A', { type: 'response' }), {}, { rcode: 'FORMERR', answers: [], authority: [], aa: false, ra: true }],
    ['an UPDATE: NOTIMP', query('db.flotilla', 'A', { opcode: 'UPDATE' }), {}, { rcode: 'NOTIMP', answers: [], authority: [], aa: false, ra: true }],
    ['class CH in the zone: NOTIMP', { ...query('db.flotilla'), questions: [{ name: 'db.flotilla', type: 'A', class: 'CH' }] }, {},
      { rcode: 'NOTIMP', answers: [], authority: [], aa: true, ra: true }],
  ])('%s', (_case, q, o, want) => {
    expect(seen(answerQuery(q, table, opts(o)))).toEqual(want);
  });

  test('the reply keeps the id, the question and RD', () => {
    const reply = answerQuery(query('db.flotilla'), table, opts());
    expect(reply.kind === 'reply' && { id: reply.packet.id, rd: ((reply.packet.flags ?? 0) & RECURSION_DESIRED) !== 0, questions: reply.packet.questions })
      .toEqual({ id: 7, rd: true, questions: [{ name: 'db.flotilla', type: 'A', class: 'IN' }] });
  });

  test.each<[string, Partial<AnswerOptions>, number, boolean]>([
    [`UDP: ${MAX_UDP_ANSWERS} addresses, marked truncated, so the reply fits 512 bytes`, { maxAnswers: MAX_UDP_ANSWERS }, MAX_UDP_ANSWERS, true],
    ['TCP: all 40', {}, 40, false],
    ['exactly the cap: not truncated', { maxAnswers: 40 }, 40, false],
  ])('40 instances, %s', (_case, o, count, truncated) => {
    const many = buildNameTable(Array.from({ length: 40 }, (_, i) => ({ unit: `w@${i}.service`, machineId: `m${i}`, ip: `10.0.1.${i}`, port: 80 })));
    const reply = answerQuery(query('w.flotilla'), many, opts(o));
    expect(reply.kind === 'reply' && { count: reply.packet.answers?.length, tc: ((reply.packet.flags ?? 0) & TRUNCATED_RESPONSE) !== 0 }).toEqual({ count, tc: truncated });
  });
});
