/**
 * Generated HTTP requests for fuzzing the agent's API (fleet's v1 under /fleet/v1 and /v1-alpha, /v2, the ops
 * routes): methods, paths (percent-encoding, `..`, long names, unicode, NUL), query strings (page tokens,
 * filters, journal options), headers (content types, lying lengths, Expect) and bodies (JSON of the right shape
 * with wrong types and extreme values, random JSON, deep nesting, non-JSON, truncation). fast-check
 * arbitraries, so the property test shrinks a failure and the bench samples them from a seed.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';

/** Units and machines the fuzz fixture creates, so well-formed requests also reach the registry's paths. */
export const FIXTURE_UNITS = ['hello.service', 'web@1.service', 'tpl@.service', 'global.service'] as const;
export const FIXTURE_MACHINES = ['m1', 'm2'] as const;

const pick = <T>(...values: T[]) => fc.constantFrom(...values);

const oddText = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  pick('', ' ', '..', '.', '%', '%zz', '%00', '%2e%2e', '%2F', '%C0%AF', '%ED%A0%80', '\u0000', 'é', '\u{1F600}', '\ufeff', '*', '@', 'a b'),
  fc.nat({ max: 6000 }).map((n) => 'a'.repeat(n)),
);

const unitName = fc.oneof(
  { weight: 4, arbitrary: pick(...FIXTURE_UNITS, 'new.service', 'new@2.service', 'x.socket', 'a.mount') },
  { weight: 3, arbitrary: oddText },
  { weight: 1, arbitrary: fc.tuple(oddText, pick('.service', '@1.service', '@.service', '')).map(([a, b]) => a + b) },
);

const machineId = fc.oneof(pick<string>(...FIXTURE_MACHINES, 'nope', '..', 'm1%2Fx', ''), oddText);

/** Percent-encodes some characters and leaves others raw (NUL and spaces included: the server must cope). */
const pathSegment = fc.tuple(fc.oneof(unitName, machineId), pick('encode', 'raw', 'mixed')).map(([text, how]) =>
  how === 'encode' ? encodeURIComponent(text) : how === 'raw' ? text : text.replace(/[@/?#]/g, (c) => encodeURIComponent(c)),
);

const v1Base = pick('/fleet/v1', '/v1-alpha');
const path = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(v1Base, pick('/units', '/state', '/machines', '/discovery', '', '/', '/units/', '/machines/x')).map(([b, r]) => b + r) },
  { weight: 6, arbitrary: fc.tuple(v1Base, pick('/units/', '/state/'), pathSegment).map(([b, r, s]) => b + r + s) },
  { weight: 3, arbitrary: pick('/v2/machines', '/v2/units', '/v2/state', '/v2/health', '/v2/events', '/metrics', '/', '/v2', '/v2/') },
  { weight: 3, arbitrary: fc.tuple(pathSegment, pick('/status', '/journal', '/cordon', '')).map(([s, r]) => (r === '/cordon' ? `/v2/machines/${s}${r}` : `/v2/units/${s}${r}`)) },
  { weight: 2, arbitrary: fc.tuple(pick('/fleet/v1/', '/v2/', '/', '//', '/fleet/v1/units/../', '/./fleet/v1/units/'), oddText).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: pick('*', 'http://localhost/fleet/v1/units', '//fleet/v1/units', '/fleet/v1/units#frag', '/fleet%2Fv1/units', '/FLEET/V1/UNITS') },
);

const tokenValue = fc.oneof(
  pick('ZAABAA==', 'ZAACAA==', 'ZAACAA%3D%3D', 'ZAAAAA==', 'AQABAA==', '', '====', 'ZA', 'ZAACAA', '!!!!', 'ZAACAA==ZAACAA=='),
  fc.base64String({ maxLength: 16 }),
  oddText,
);
const numberText = pick('0', '1', '-1', '10000', '10001', '1e309', '1e3', '0x10', 'NaN', 'Infinity', '9007199254740993', '1.5', ' 3', '', '00010');
const queryPair = fc.oneof(
  fc.tuple(pick('nextPageToken'), tokenValue),
  fc.tuple(pick('unitName', 'machineID'), fc.oneof(unitName, machineId)),
  fc.tuple(pick('lines', 'limit'), fc.oneof(numberText, oddText)),
  fc.tuple(pick('follow'), pick('true', '1', 'yes', 'no', '', 'TRUE', 'false')),
  fc.tuple(pick('output'), pick('short', 'json', 'cat', 'verbose', 'short-iso', 'export', '', 'json-pretty')),
  fc.tuple(pick('fields', 'alt', 'access_token', 'x'), oddText),
);
const query = fc
  .array(fc.tuple(queryPair, pick('encode', 'raw')), { maxLength: 5 })
  .map((pairs) => pairs.map(([[k, v], how]) => `${k}=${how === 'encode' ? encodeURIComponent(v) : v}`).join('&'));

export const target = fc.tuple(path, query, fc.boolean()).map(([p, q, withAlt]) => {
  const qs = [q, withAlt ? 'alt=json' : ''].filter(Boolean).join('&');
  return qs ? `${p}?${qs}` : p;
});

const method = fc.oneof(
  { weight: 10, arbitrary: pick('GET', 'PUT', 'DELETE', 'PATCH') },
  { weight: 2, arbitrary: pick('POST', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'CONNECT') },
  { weight: 1, arbitrary: pick('get', 'FOO', 'G T', 'PUT\u0000', '') },
);

/** Values of every JSON type, extreme ones included, for fields that want one type. */
const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  pick<unknown>(null, true, false, 0, -1, 1e308, -0, 2 ** 53 + 1, '', [], {}, 'launched', 'inactive', 'loaded'),
  fc.string({ maxLength: 20 }),
  fc.nat({ max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const option = fc.oneof(
  { weight: 4, arbitrary: fc.record({ section: pick('Service', 'Unit', 'X-Fleet', 'Install', ''), name: pick('ExecStart', 'MachineID', 'Global', 'Conflicts', 'Description', ''), value: fc.oneof(pick('/bin/true', 'm1', 'true', '*'), oddText) }) },
  { weight: 2, arbitrary: fc.record({ section: wrongValue, name: wrongValue, value: wrongValue }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: wrongValue },
);
const unitBody = fc.record(
  {
    name: fc.oneof(unitName, wrongValue),
    options: fc.oneof(fc.array(option, { maxLength: 6 }), fc.nat({ max: 5500 }).map((n) => Array.from({ length: n }, (_, i) => ({ section: 'Service', name: 'Environment', value: `V${i}=${'v'.repeat(200)}` }))), wrongValue),
    desiredState: fc.oneof(pick('inactive', 'loaded', 'launched', 'Launched', ''), wrongValue),
    extra: wrongValue,
  },
  { requiredKeys: [] },
);
const patchOp = fc.record(
  {
    op: fc.oneof(pick('add', 'remove', 'replace', 'ADD', 'test'), wrongValue),
    path: fc.oneof(fc.tuple(machineId, fc.oneof(pick('role', 'a.b-c_d', '_flotilla.cordon', ''), oddText)).map(([m, k]) => `/${m}/metadata/${k}`), wrongValue),
    value: fc.oneof(fc.record({ value: fc.oneof(fc.string({ maxLength: 20 }), wrongValue) }), wrongValue),
  },
  { requiredKeys: [] },
);
const cordonBody = fc.record({ drain: fc.oneof(fc.boolean(), wrongValue), deadline: fc.oneof(pick('5m', '90s', '1h30m', '0s', '-5m', '9999999h', '1e9s', ''), wrongValue) }, { requiredKeys: [] });

const deepJson = fc.tuple(fc.nat({ max: 20_000 }), pick('[', '{"a":')).map(([n, open]) => open.repeat(n) + (open === '[' ? ']' : '1}').repeat(n));

const jsonBody = fc.oneof(
  { weight: 5, arbitrary: unitBody.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: fc.array(patchOp, { maxLength: 4 }).map((ops) => JSON.stringify(ops)) },
  { weight: 1, arbitrary: fc.nat({ max: 400 }).map((n) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ op: 'add', path: `/m1/metadata/k${i}`, value: { value: 'v'.repeat(2000) } })))) },
  { weight: 2, arbitrary: cordonBody.map((b) => JSON.stringify(b)) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: pick('{"__proto__":{"name":"x.service"}}', '{"constructor":{"prototype":{}}}', '\ufeff{}', '{}', '[]', 'null', '{"name":"hello.service","name":"x.service"}') },
);
const body = fc.oneof(
  { weight: 6, arbitrary: jsonBody.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(jsonBody, fc.nat()).map(([t, n]) => Buffer.from(t.slice(0, n % (t.length + 1)))) },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }).map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) },
  // Around the server's 1 MiB body limit (docs/api.md): just under, at, and over.
  { weight: 1, arbitrary: fc.integer({ min: (1 << 20) - 8, max: (1 << 20) + 70_000 }).map((n) => Buffer.alloc(n, 0x20)) },
  { weight: 2, arbitrary: fc.constant(Buffer.alloc(0)) },
);

const contentType = pick<string | undefined | string[]>(
  'application/json', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', undefined, 'text/plain',
  'application/json;;;', '', ['application/json', 'application/json'], 'application/jsonx', 'multipart/form-data; boundary=x',
);
/** How the body is framed: honest, a Content-Length that lies, cut short, chunked, or an Expect header. */
const framing = pick('length', 'length', 'length', 'short-length', 'long-length', 'truncated', 'chunked', 'expect-continue', 'expect-other', 'huge-header', 'upgrade');

/** Anything at all: valid HTTP or not, any route, any framing. */
const anyRequest: fc.Arbitrary<RawRequest> = fc.tuple(method, target, contentType, body, framing).map(([m, t, type, b, frame]) => {
  const headers: [string, string][] = [['Host', 'localhost'], ['Connection', 'close']];
  for (const value of type === undefined ? [] : Array.isArray(type) ? type : [type]) headers.push(['Content-Type', value]);
  const request: RawRequest = { method: m, target: t, headers, body: b };
  switch (frame) {
    case 'short-length':
      headers.push(['Content-Length', String(Math.max(0, b.length - 3))]);
      break;
    case 'long-length':
      headers.push(['Content-Length', String(b.length + 50)]);
      request.sendBytes = b.length;
      break;
    case 'truncated':
      headers.push(['Content-Length', String(b.length)]);
      request.sendBytes = Math.floor(b.length / 2);
      break;
    case 'chunked':
      headers.push(['Transfer-Encoding', 'chunked']);
      request.body = Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from(b.length > 0 ? '\r\n0\r\n\r\n' : '\r\n')]);
      break;
    case 'expect-other':
      headers.push(['Expect', 'something-else'], ['Content-Length', String(b.length)]);
      break;
    case 'expect-continue':
      headers.push(['Expect', '100-continue'], ['Content-Length', String(b.length)]);
      break;
    case 'upgrade':
      headers.push(['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Content-Length', String(b.length)]);
      break;
    case 'huge-header':
      headers.push(['X-Pad', 'p'.repeat(20_000)], ['Content-Length', String(b.length)]);
      break;
    default:
      headers.push(['Content-Length', String(b.length)]);
  }
  return request;
});

const honest = (m: string, t: string, b: string): RawRequest => {
  const bytes = Buffer.from(b);
  const headers: [string, string][] = [['Host', 'localhost'], ['Connection', 'close'], ['Content-Type', 'application/json'], ['Content-Length', String(bytes.length)]];
  return { method: m, target: t, headers, body: bytes };
};
const encodedQuery = fc.array(queryPair, { maxLength: 3 }).map((pairs) => pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&'));
const withQuery = (p: string, q: string) => (q ? `${p}?${q}` : p);

/** A unit PUT as fleetctl sends it, with the body's name agreeing with the URL (or left out) most of the time. */
const unitPut = fc.tuple(unitName, unitBody, pick('same', 'omitted', 'as generated')).map(([name, b, how]) => {
  const fields = { ...b } as Record<string, unknown>;
  if (how === 'same') fields.name = name;
  if (how === 'omitted') delete fields.name;
  return honest('PUT', `/fleet/v1/units/${encodeURIComponent(name)}`, JSON.stringify(fields));
});

/**
 * Valid HTTP with the right content type, honest lengths and encoded paths, so the request gets past the
 * parser and the router into the handlers and the registry (create, replace, state changes, PATCH, cordon).
 */
const wellFormedRequest: fc.Arbitrary<RawRequest> = fc.oneof(
  { weight: 4, arbitrary: unitPut },
  { weight: 1, arbitrary: fc.tuple(unitName, pick('/fleet/v1/units/', '/fleet/v1/state/', '/v2/units/')).map(([n, base]) => honest(base === '/v2/units/' ? 'GET' : pick2(n), `${base}${encodeURIComponent(n)}${base === '/v2/units/' ? (n.length % 2 ? '/status' : '/journal') : ''}`, '')) },
  { weight: 2, arbitrary: fc.tuple(fc.array(patchOp, { maxLength: 4 }), fc.boolean()).map(([ops, alt]) => honest('PATCH', `/fleet/v1/machines${alt ? '?alt=json' : ''}`, JSON.stringify(ops))) },
  { weight: 1, arbitrary: fc.tuple(machineId, cordonBody, fc.boolean()).map(([id, b, put]) => honest(put ? 'PUT' : 'DELETE', `/v2/machines/${encodeURIComponent(id)}/cordon`, put ? JSON.stringify(b) : '')) },
  { weight: 2, arbitrary: fc.tuple(pick('/fleet/v1/units', '/fleet/v1/state', '/fleet/v1/machines', '/v2/state', '/v2/units', '/v2/machines', '/v2/events', '/v2/health'), encodedQuery).map(([p, q]) => honest('GET', withQuery(p, q), '')) },
);

/** GET or DELETE, chosen from the name so the mapping stays a pure function of the generated values. */
function pick2(name: string): string {
  return name.length % 3 === 0 ? 'DELETE' : 'GET';
}

export const fuzzRequest: fc.Arbitrary<RawRequest> = fc.oneof({ weight: 1, arbitrary: wellFormedRequest }, { weight: 1, arbitrary: anyRequest });
