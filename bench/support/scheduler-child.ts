/** Starts bench/support/scheduler-process.mjs as a child and follows what it reports (leadership, RSS). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SCHEDULER_NODE_FLAGS } from '../../packages/cli/src/cloud-config/node-flags.js';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scheduler-process.mjs');

export interface SchedulerChild {
  proc: ChildProcess;
  candidate: string;
  isLeader(): boolean;
  /** Highest RSS reported so far, bytes. */
  maxRss(): number;
  /** Highest V8 heapUsed reported so far, bytes. */
  maxHeapUsed(): number;
  /** Longest event-loop block reported so far, ms. */
  maxLoopDelayMs(): number;
  /** Longest garbage-collection pause reported so far, ms. */
  maxGcPauseMs(): number;
  /** Resolves with the wall-clock ms at which it reported leadership; rejects after `deadlineMs`. */
  leaderAt(deadlineMs: number): Promise<number>;
  /** Resolves when the process reports it is about to apply `n` changes (BENCH_STOP_BEFORE_APPLY hook). */
  applying(deadlineMs: number): Promise<number>;
  /** How many stderr log lines so far have a msg containing `text`. */
  countLogs(text: string): number;
  /** Resolves with the first stderr log line whose msg contains `text`. */
  logged(text: string, deadlineMs: number): Promise<Record<string, unknown>>;
  /** Sends `signal` and, unless it is SIGSTOP/SIGCONT, waits (≤ 10 s) for the process to exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

export interface ChildEnv {
  endpoints: string[];
  prefix: string;
  candidate: string;
  ttlSec: number;
  stopBeforeApply?: boolean;
  /** pino level of the child's stderr log (default warn). */
  logLevel?: string;
  /** The etcd's --max-txn-ops, for the child's registry (RegistryOptions.maxTxnOps; default etcd's 128). */
  maxTxnOps?: number;
}

export function startSchedulerChild(env: ChildEnv): SchedulerChild {
  // A master's shipped flags (cloud-config/node-flags.ts), then BENCH_CHILD_NODE_FLAGS: extra node flags for the
  // scheduler process (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`; a later V8 flag wins, so
  // `--heap-growing-percent=0` compares with Node's defaults).
  const flags = `${SCHEDULER_NODE_FLAGS} ${process.env.BENCH_CHILD_NODE_FLAGS ?? ''}`.split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...flags, SCRIPT], {
    env: {
      ...process.env,
      BENCH_ENDPOINTS: env.endpoints.join(','),
      BENCH_PREFIX: env.prefix,
      BENCH_CANDIDATE: env.candidate,
      BENCH_TTL_SEC: String(env.ttlSec),
      BENCH_MAX_TXN_OPS: env.maxTxnOps === undefined ? '' : String(env.maxTxnOps),
      BENCH_STOP_BEFORE_APPLY: env.stopBeforeApply ? '1' : '',
      BENCH_LOG_LEVEL: env.logLevel ?? process.env.BENCH_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logLines: Record<string, unknown>[] = [];
  const logWaiters: (() => void)[] = [];
  readline.createInterface({ input: proc.stderr! }).on('line', (line) => {
    process.stderr.write(`${line}\n`);
    try {
      logLines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    for (const w of logWaiters.splice(0)) w();
  });
  let applyingCount: number | undefined;
  const applyingWaiters: (() => void)[] = [];
  let leader = false;
  let leaderSince: number | undefined;
  let maxRss = 0;
  let maxHeapUsed = 0;
  let maxDelay = 0;
  let maxGc = 0;
  const waiters: ((at: number) => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { leader?: boolean; at?: number; rss?: number; heapUsed?: number; maxLoopDelayMs?: number; maxGcPauseMs?: number; applying?: number };
    if (msg.maxGcPauseMs !== undefined) maxGc = Math.max(maxGc, msg.maxGcPauseMs);
    if (msg.rss !== undefined) maxRss = Math.max(maxRss, msg.rss);
    if (msg.heapUsed !== undefined) maxHeapUsed = Math.max(maxHeapUsed, msg.heapUsed);
    if (msg.maxLoopDelayMs !== undefined) maxDelay = Math.max(maxDelay, msg.maxLoopDelayMs);
    if (msg.applying !== undefined) {
      applyingCount = msg.applying;
      for (const w of applyingWaiters.splice(0)) w();
    }
    if (msg.leader !== undefined) {
      leader = msg.leader;
      leaderSince = msg.leader ? msg.at : undefined;
      if (msg.leader) for (const w of waiters.splice(0)) w(msg.at as number);
    }
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return {
    proc,
    candidate: env.candidate,
    isLeader: () => leader,
    maxRss: () => maxRss,
    maxHeapUsed: () => maxHeapUsed,
    maxLoopDelayMs: () => maxDelay,
    maxGcPauseMs: () => maxGc,
    leaderAt(deadlineMs) {
      if (leaderSince !== undefined) return Promise.resolve(leaderSince);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${env.candidate} did not lead within ${deadlineMs} ms`)), deadlineMs);
        waiters.push((at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
    applying(deadlineMs) {
      return waitFor(() => applyingCount, applyingWaiters, deadlineMs, `${env.candidate} did not start applying`);
    },
    countLogs: (text) => logLines.filter((l) => String(l.msg ?? '').includes(text)).length,
    logged(text, deadlineMs) {
      const find = () => logLines.find((l) => String(l.msg ?? '').includes(text));
      return waitFor(find, logWaiters, deadlineMs, `${env.candidate} did not log "${text}"`);
    },
    async signal(signal) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      if (signal === 'SIGSTOP' || signal === 'SIGCONT') return;
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref());
      await Promise.race([exited, timeout]);
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}

/** Re-checks `get` whenever a waiter fires, until it returns a value or the deadline passes. */
function waitFor<T>(get: () => T | undefined, waiters: (() => void)[], deadlineMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} within ${deadlineMs} ms`)), deadlineMs);
    const check = () => {
      const value = get();
      if (value === undefined) return void waiters.push(check);
      clearTimeout(timer);
      resolve(value);
    };
    check();
  });
}
