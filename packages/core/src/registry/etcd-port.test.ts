/** The port's pure helpers: prefix ranges, the gateway's JSON encoding, status → kind. */
import { describe, expect, test } from 'vitest';
import { kindOfStatus, prefixEnd } from './etcd-port.js';
import { encodeJson, parseAnswer } from './http-transport.js';

describe('prefixEnd', () => {
  test.each([
    { name: 'last byte incremented', prefix: Buffer.from('/f/v1/units/'), end: Buffer.from('/f/v1/units0') },
    { name: 'trailing 0xff dropped, then incremented', prefix: Buffer.from([0x61, 0xff]), end: Buffer.from([0x62]) },
    { name: 'all 0xff: every key after it (etcd\'s "\\0")', prefix: Buffer.from([0xff, 0xff]), end: Buffer.from([0]) },
  ])('$name', ({ prefix, end }) => {
    expect(prefixEnd(prefix)).toEqual(end);
  });
});

describe('encodeJson', () => {
  test('bytes become base64 at any depth; strings and numbers stay', () => {
    const body = { compare: [{ key: Buffer.from('k'), target: 'MOD', mod_revision: '7' }], success: [{ request_put: { key: Buffer.from('k'), value: Buffer.from([0xc1, 1]) } }] };
    expect(JSON.parse(encodeJson(body))).toEqual({
      compare: [{ key: 'aw==', target: 'MOD', mod_revision: '7' }],
      success: [{ request_put: { key: 'aw==', value: 'wQE=' } }],
    });
  });
});

describe('kindOfStatus', () => {
  test.each([
    { code: 4, message: 'context deadline exceeded', kind: 'deadline' },
    { code: 14, message: 'etcdserver: no leader', kind: 'unavailable' },
    { code: 7, message: 'etcdserver: permission denied', kind: 'auth' },
    { code: 16, message: 'etcdserver: invalid auth token', kind: 'auth' },
    { code: 11, message: 'etcdserver: mvcc: required revision has been compacted', kind: 'compacted' },
    { code: 3, message: 'etcdserver: too many operations in txn request', kind: 'other' },
    { code: undefined, message: 'etcdserver: request timed out', kind: 'unavailable' },
  ])('$code $message → $kind', ({ code, message, kind }) => {
    expect(kindOfStatus(code, message)).toBe(kind);
  });
});

describe('parseAnswer', () => {
  test('200 with JSON is the answer; an empty body is {}', () => {
    expect(parseAnswer(200, '{"header":{"revision":"3"}}', '/v3/kv/range')).toEqual({ header: { revision: '3' } });
    expect(parseAnswer(200, '', '/v3/kv/put')).toEqual({});
  });

  test('a gateway error carries its gRPC status as the kind and etcd\'s message', () => {
    const err = (() => {
      try {
        return parseAnswer(400, '{"error":"etcdserver: mvcc: required revision has been compacted","code":11}', '/v3/kv/range');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ kind: 'compacted', grpcCode: 11, message: 'etcdserver: mvcc: required revision has been compacted' });
  });
});
