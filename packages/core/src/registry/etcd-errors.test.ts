import { describe, expect, test } from 'vitest';
import { ConflictError } from '../errors.js';
import { EtcdRequestError } from './etcd-port.js';
import { translateEtcdError, withRegistryDeadline } from './etcd-errors.js';
import { gatewayError } from './http-transport.js';

const ctx = { endpoints: ['http://e:2379'], operation: 'get x', timeoutMs: 50 };

describe('translateEtcdError', () => {
  test.each([
    { name: 'unavailable', err: new EtcdRequestError('unavailable', 'connect ECONNREFUSED'), code: 'REGISTRY_UNAVAILABLE', retryable: true },
    { name: 'deadline', err: new EtcdRequestError('deadline', 'timed out'), code: 'REGISTRY_TIMEOUT', retryable: true },
    { name: 'permission denied', err: new EtcdRequestError('auth', 'etcdserver: permission denied'), code: 'REGISTRY_ERROR', retryable: false },
    { name: 'closed', err: new EtcdRequestError('closed', 'the etcd client was closed'), code: 'REGISTRY_ERROR', retryable: false },
    { name: 'ours pass through', err: new ConflictError('x'), code: 'REGISTRY_CONFLICT', retryable: true },
    { name: 'anything else', err: new Error('boom'), code: 'REGISTRY_ERROR', retryable: false },
  ])('$name', ({ err, code, retryable }) => {
    const translated = translateEtcdError(err, ctx);
    expect({ code: translated.code, retryable: translated.retryable }).toEqual({ code, retryable });
  });
});

describe('gateway errors get the kind of their gRPC status', () => {
  test.each([
    { name: 'unary compaction', body: { error: 'etcdserver: mvcc: required revision has been compacted', code: 11 }, status: 400, kind: 'compacted' },
    { name: 'unary permission', body: { error: 'etcdserver: permission denied', code: 7 }, status: 403, kind: 'auth' },
    { name: 'unary no leader', body: { error: 'etcdserver: no leader', code: 14 }, status: 503, kind: 'unavailable' },
    { name: 'stream error', body: { error: { grpc_code: 4, message: 'context deadline exceeded' } }, status: 200, kind: 'deadline' },
    { name: 'bad request', body: { error: 'etcdserver: too many operations in txn request', code: 3 }, status: 400, kind: 'other' },
    { name: 'a proxy 502 without a body', body: {}, status: 502, kind: 'unavailable' },
  ])('$name', ({ body, status, kind }) => {
    expect(gatewayError(body, status, '/v3/kv/range').kind).toBe(kind);
  });
});

describe('withRegistryDeadline', () => {
  test('a call that never settles → RegistryTimeoutError, onTimeout runs', async () => {
    let cancelled = false;
    const err = await withRegistryDeadline(new Promise(() => undefined), ctx, () => (cancelled = true)).catch((e: unknown) => e);
    expect({ code: (err as ConflictError).code, message: (err as Error).message, cancelled }).toEqual({
      code: 'REGISTRY_TIMEOUT',
      message: 'registry get x timed out after 50 ms',
      cancelled: true,
    });
  });

  test('a result within the deadline passes through', async () => {
    expect(await withRegistryDeadline(Promise.resolve(7), ctx)).toBe(7);
  });
});
