/**
 * The API under generated requests (test-support/api-fuzz-requests.ts), against the real server over a real
 * etcd: no 5xx, every 4xx in fleet's error body, an answer to every request the client did not cut off, no
 * error logged, etcd unchanged by every rejected request, the keyspace consistent and the server still
 * answering and closing at the end. A short run; `npm run bench -- fuzz-api` runs many more (docs/benchmarks.md).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { freshPrefix } from '../../../core/src/testing/registry-fixtures.js';
import { describeRequest, fuzzExchange, startApiFuzzFixture, type ApiFuzzFixture } from '../test-support/api-fuzz-fixture.js';
import { fuzzRequest } from '../test-support/api-fuzz-requests.js';
import { sleep } from '@flotilla/core';

const RUNS = 200;

let etcd: EtcdHandle;
let fixture: ApiFuzzFixture;

beforeAll(async () => {
  etcd = await startEtcd();
  fixture = await startApiFuzzFixture(etcd.endpoints, freshPrefix());
});
afterAll(async () => {
  await fixture?.close();
  await etcd?.stop();
});

test(`${RUNS} generated requests: no 5xx, fleet's error body on every 4xx, nothing half-written`, async () => {
  let n = 0;
  await fc.assert(
    fc.asyncProperty(fuzzRequest, async (request) => {
      const { problems } = await fuzzExchange(fixture, request, ++n % 10 === 0);
      expect({ request: describeRequest(request), problems }).toEqual({ request: describeRequest(request), problems: [] });
    }),
    { numRuns: RUNS },
  );
  expect(fixture.violations(await fixture.dump())).toEqual([]);
  const closed = await Promise.race([fixture.close().then(() => 'closed'), sleep(10_000).then(() => 'still open after 10 s')]);
  expect(closed).toBe('closed');
});
