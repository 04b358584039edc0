import { ClientClosedError, EtcdPermissionDeniedError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import { describe, expect, test } from 'vitest';
import { ConflictError } from '../errors.js';
import { translateEtcdError, withDeadline } from './etcd-errors.js';

const ctx = { endpoints: ['http://e:2379'], operation: 'get x', timeoutMs: 50 };

describe('translateEtcdError', () => {
  test.each([
    { name: 'unavailable', err: new GRPCUnavailableError('14 UNAVAILABLE: No connection established'), code: 'REGISTRY_UNAVAILABLE', retryable: true },
    { name: 'deadline', err: new GRPCDeadlineExceededError('4 DEADLINE_EXCEEDED'), code: 'REGISTRY_TIMEOUT', retryable: true },
    { name: 'permission denied', err: new EtcdPermissionDeniedError('permission denied'), code: 'REGISTRY_ERROR', retryable: false },
    { name: 'closed', err: new ClientClosedError('KV'), code: 'REGISTRY_ERROR', retryable: false },
    { name: 'ours pass through', err: new ConflictError('x'), code: 'REGISTRY_CONFLICT', retryable: true },
    { name: 'anything else', err: new Error('boom'), code: 'REGISTRY_ERROR', retryable: false },
  ])('$name', ({ err, code, retryable }) => {
    const translated = translateEtcdError(err, ctx);
    expect({ code: translated.code, retryable: translated.retryable }).toEqual({ code, retryable });
  });
});

describe('withDeadline', () => {
  test('a call that never settles → RegistryTimeoutError, onTimeout runs', async () => {
    let cancelled = false;
    const err = await withDeadline(new Promise(() => undefined), ctx, () => (cancelled = true)).catch((e: unknown) => e);
    expect({ code: (err as ConflictError).code, message: (err as Error).message, cancelled }).toEqual({
      code: 'REGISTRY_TIMEOUT',
      message: 'registry get x timed out after 50 ms',
      cancelled: true,
    });
  });

  test('a result within the deadline passes through', async () => {
    expect(await withDeadline(Promise.resolve(7), ctx)).toBe(7);
  });
});
