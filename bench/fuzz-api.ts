/**
 * The agent's HTTP API under generated requests (packages/api/src/test-support/api-fuzz-*.ts): the real server
 * on a unix socket over a real etcd, one request at a time, each judged (no 5xx, fleet's error body on every 4xx,
 * an answer unless the client cut the request, no error logged, etcd unchanged by a rejected request); every 10th
 * followed by a plain GET to see the server still answers. A crash is a request after which the server stopped
 * answering, logged an error, or gave no answer in 10 s. The registry is put back every 200 requests.
 * Usage: npm run bench -- fuzz-api [REQUESTS] [SEED] [MAX_SECONDS]
 */
import fc from 'fast-check';
import { describeRequest, fuzzExchange, startApiFuzzFixture } from '../packages/api/src/test-support/api-fuzz-fixture.js';
import { fuzzRequest } from '../packages/api/src/test-support/api-fuzz-requests.js';
import type { RawRequest } from '../packages/api/src/test-support/raw-http.js';
import { startEtcd } from '../test/harness/etcd.js';
import { figure } from './stats.js';
import { sleep } from '@flotilla/core';

const REQUESTS = Number(process.argv[2] ?? 20_000);
const SEED = Number(process.argv[3] ?? 4);
const MAX_SECONDS = Number(process.argv[4] ?? 600);
const BATCH = 200;

const etcd = await startEtcd();
const fixture = await startApiFuzzFixture(etcd.endpoints, `/bench-fuzz-api-${process.pid}/`);
const statuses = new Map<string, number>();
const examples: string[] = [];
let sent = 0;
let fiveHundreds = 0;
let crashes = 0;
let problemRequests = 0;

const note = (request: RawRequest, problems: string[]) => {
  problemRequests += 1;
  if (examples.length < 10) examples.push(`${problems.join('; ')}\n    ${describeRequest(request)}`);
};

const started = Date.now();
try {
  for (let batch = 0; sent < REQUESTS && Date.now() - started < MAX_SECONDS * 1000; batch++) {
    await fixture.reset();
    const requests = fc.sample(fuzzRequest, { seed: SEED * 1_000_003 + batch, numRuns: Math.min(BATCH, REQUESTS - sent) });
    for (const request of requests) {
      sent += 1;
      try {
        const { reply, problems } = await fuzzExchange(fixture, request, sent % 10 === 0);
        const status = reply === undefined ? 'none' : String(reply.status);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (reply !== undefined && reply.status >= 500) fiveHundreds += 1;
        if (problems.some((p) => p.startsWith('error logged') || p.startsWith('the server stopped answering'))) crashes += 1;
        if (problems.length > 0) note(request, problems);
      } catch (err) {
        crashes += 1;
        note(request, [`exchange failed: ${(err as Error).message}`]);
      }
    }
  }
} finally {
  const seconds = (Date.now() - started) / 1000;
  const violations = fixture.violations(await fixture.dump());
  const closed = await Promise.race([fixture.close().then(() => true), sleep(10_000).then(() => false)]);
  if (!closed) crashes += 1;
  await etcd.stop();
  process.stderr.write(`statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  for (const example of examples) process.stderr.write(`problem: ${example}\n`);
  if (violations.length > 0) process.stderr.write(`registry violations: ${violations.slice(0, 5).join('; ')}\n`);
  if (!closed) process.stderr.write('the server did not close within 10 s\n');
  figure('fuzz_api_requests', sent, 'count');
  figure('fuzz_api_5xx', fiveHundreds, 'count');
  figure('fuzz_api_crashes', crashes, 'count');
  figure('fuzz_api_rate', Math.round(sent / seconds), 'req/s');
  figure('fuzz_api_problems', problemRequests, 'count');
  figure('fuzz_api_registry_violations', violations.length, 'count');
}
