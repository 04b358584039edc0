/**
 * One scheduler in its own process, for benches that kill, pause or weigh the leader. Configured by
 * environment (BENCH_ENDPOINTS comma-separated, BENCH_PREFIX, BENCH_CANDIDATE, BENCH_TTL_SEC); prints JSON
 * lines on stdout: {"leader":true|false,"at":ms} when that changes and {"rss":bytes} every 250 ms.
 * SIGTERM stops it gracefully (resigns), so the next leader takes over at once.
 */
import { EtcdRegistry } from '@flotilla/core';
import { startScheduler } from '@flotilla/scheduler';
import { pino } from 'pino';

const endpoints = (process.env.BENCH_ENDPOINTS ?? '').split(',');
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
const registry = await EtcdRegistry.connect({ endpoints, prefix: process.env.BENCH_PREFIX, requestTimeoutMs: 10_000 });
const scheduler = await startScheduler({
  registry,
  candidateId: process.env.BENCH_CANDIDATE ?? `bench-${process.pid}`,
  ttlSec: Number(process.env.BENCH_TTL_SEC ?? 2),
  intervalMs: 2000,
  minGapMs: 20,
  logger,
});

const emit = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
let leader = false;
const poll = setInterval(() => {
  if (scheduler.isLeader() !== leader) {
    leader = scheduler.isLeader();
    emit({ leader, at: Date.now() });
  }
}, 5);
const rss = setInterval(() => emit({ rss: process.memoryUsage().rss }), 250);

process.once('SIGTERM', () => {
  clearInterval(poll);
  clearInterval(rss);
  void scheduler
    .stop()
    .then(() => registry.close())
    .finally(() => process.exit(0));
});
