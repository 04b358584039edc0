/** Starts bench/support/scheduler-process.ts as a child and follows what it reports (leadership, RSS). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scheduler-process.ts');

export interface SchedulerChild {
  proc: ChildProcess;
  candidate: string;
  isLeader(): boolean;
  /** Highest RSS reported so far, bytes. */
  maxRss(): number;
  /** Resolves with the wall-clock ms at which it reported leadership; rejects after `deadlineMs`. */
  leaderAt(deadlineMs: number): Promise<number>;
  /** Sends `signal` and, unless it is SIGSTOP/SIGCONT, waits (≤ 10 s) for the process to exit. */
  signal(signal: NodeJS.Signals): Promise<void>;
}

export function startSchedulerChild(env: { endpoints: string[]; prefix: string; candidate: string; ttlSec: number }): SchedulerChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
    env: {
      ...process.env,
      BENCH_ENDPOINTS: env.endpoints.join(','),
      BENCH_PREFIX: env.prefix,
      BENCH_CANDIDATE: env.candidate,
      BENCH_TTL_SEC: String(env.ttlSec),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let leader = false;
  let leaderSince: number | undefined;
  let maxRss = 0;
  const waiters: ((at: number) => void)[] = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line) as { leader?: boolean; at?: number; rss?: number };
    if (msg.rss !== undefined) maxRss = Math.max(maxRss, msg.rss);
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
