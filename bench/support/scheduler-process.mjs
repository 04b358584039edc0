/**
 * One scheduler in its own process, for benches that kill, pause or weigh the leader. Configured by
 * environment (BENCH_ENDPOINTS comma-separated, BENCH_PREFIX, BENCH_CANDIDATE, BENCH_TTL_SEC); prints JSON
 * lines on stdout: {"leader":true|false,"at":ms} when that changes and {"rss":bytes,"maxLoopDelayMs":ms} every
 * 250 ms (the longest the event loop was blocked so far: election keepalives wait that long; and the longest
 * garbage-collection pause, maxGcPauseMs).
 * SIGTERM stops it gracefully (resigns), so the next leader takes over at once.
 * Test hook: with BENCH_STOP_BEFORE_APPLY=1 the process reports {"applying":n} and stops itself (SIGSTOP)
 * right before its first non-empty applySchedule, so a test can depose it and resume it mid-write.
 * Plain JavaScript run by plain Node, as the daemon runs: under tsx's loader (its hooks thread and transpiled
 * sources) the same idle leader had ~30 MiB more RSS (docs/benchmarks.md, "Leader memory, third pass").
 */
import { EtcdRegistry } from '@flotilla/core';
import { startScheduler } from '@flotilla/scheduler';
import { appendFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { pino } from 'pino';

const endpoints = (process.env.BENCH_ENDPOINTS ?? '').split(',');
const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' }, pino.destination(2));
// As `flotilla agent` runs (docs/registry.md, "Transports"): HTTP, the leader's bulk work over gRPC; BENCH_ETCD_TRANSPORT
// compares: http (everything over HTTP) or grpc (everything over gRPC).
const choice = process.env.BENCH_ETCD_TRANSPORT;
const transports = choice === 'http' ? { transport: 'http' } : choice === 'grpc' ? { transport: 'grpc' } : { transport: 'http', bulkTransport: 'grpc' };
const maxTxnOps = process.env.BENCH_MAX_TXN_OPS ? { maxTxnOps: Number(process.env.BENCH_MAX_TXN_OPS) } : {};
const registry = await EtcdRegistry.connect({ endpoints, prefix: process.env.BENCH_PREFIX, requestTimeoutMs: 10_000, ...transports, ...maxTxnOps });
/** @param {object} line */
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
if (process.env.BENCH_STOP_BEFORE_APPLY === '1') {
  const apply = registry.applySchedule.bind(registry);
  let stopped = false;
  registry.applySchedule = async (changes, fence) => {
    if (!stopped && changes.length > 0) {
      stopped = true;
      emit({ applying: changes.length });
      process.kill(process.pid, 'SIGSTOP');
    }
    return apply(changes, fence);
  };
}
const scheduler = await startScheduler({
  registry,
  candidateId: process.env.BENCH_CANDIDATE ?? `bench-${process.pid}`,
  ttlSec: Number(process.env.BENCH_TTL_SEC ?? 2),
  intervalMs: 2000,
  minGapMs: 20,
  logger,
});

let leader = false;
// BENCH_HEAP_SNAPSHOT_AT_MS=ms[,ms…]: a heap snapshot (live objects only: it collects first) that long after winning
// leadership, written to the working directory, to see what the leader holds at that stage.
const snapshotsAt = (process.env.BENCH_HEAP_SNAPSHOT_AT_MS ?? '').split(',').filter(Boolean).map(Number);
const poll = setInterval(() => {
  if (scheduler.isLeader() !== leader) {
    leader = scheduler.isLeader();
    emit({ leader, at: Date.now() });
    if (leader) for (const ms of snapshotsAt) setTimeout(() => process.stderr.write(`heap snapshot ${writeHeapSnapshot()}\n`), ms).unref();
  }
}, 5);
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
// Garbage-collection pauses, to tell them apart from our own long tasks in maxLoopDelayMs.
let maxGcPauseMs = 0;
let gcTotalMs = 0;
const gc = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    maxGcPauseMs = Math.max(maxGcPauseMs, entry.duration);
    gcTotalMs += entry.duration;
  }
});
gc.observe({ entryTypes: ['gc'] });
// BENCH_MEM_LOG=path: every 250 ms's memoryUsage() (MiB), CPU time and GC time so far (ms) and leadership
// appended there, to see where RSS peaks and what a change costs in CPU when the box's load blurs placements/s.
const memLog = process.env.BENCH_MEM_LOG;
const t0 = Date.now();
const rss = setInterval(() => {
  const mem = process.memoryUsage();
  emit({ rss: mem.rss, heapUsed: mem.heapUsed, maxLoopDelayMs: Math.round(delay.max / 1e6), maxGcPauseMs: Math.round(maxGcPauseMs) });
  if (memLog) {
    const mib = (/** @type {number} */ n) => Math.round(n / 1024 ** 2);
    const cpu = process.cpuUsage();
    appendFileSync(memLog, `${Date.now() - t0} rss=${mib(mem.rss)} heapUsed=${mib(mem.heapUsed)} heapTotal=${mib(mem.heapTotal)} external=${mib(mem.external)} arrayBuffers=${mib(mem.arrayBuffers)} cpuMs=${Math.round((cpu.user + cpu.system) / 1000)} gcMs=${Math.round(gcTotalMs)} leader=${leader}\n`);
  }
}, 250);

process.once('SIGTERM', () => {
  clearInterval(poll);
  clearInterval(rss);
  void scheduler
    .stop()
    .then(() => registry.close())
    .finally(() => process.exit(0));
});
