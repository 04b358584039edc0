import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { sleep } from '../../packages/core/src/timing.js';

/** Starts a long-running process in its own process group, output appended to `logFile`. */
export function startDaemon(cmd: string, args: string[], logFile: string, opts: { detached?: boolean } = {}): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', out, out], detached: true });
  fs.closeSync(out);
  if (opts.detached) child.unref();
  return child;
}

/** True while the process runs; a zombie (exited, not yet reaped by its parent) counts as gone. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone (or after a hard deadline). */
export async function killAndWait(pid: number, graceMs = 3000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < until) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  const hard = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < hard) await sleep(50);
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

/** One entry of the process table; `state` is /proc's letter (`Z`: exited, waiting for its parent to reap it). */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  state: string;
  comm: string;
  /** /proc/<pid>/cgroup: one `id:controllers:path` line per hierarchy. */
  cgroup: string;
}

/** Every process in the table that `match` accepts, zombies included: until reaped, `ps` and pgrep list them. */
export function findProcesses(match: (p: ProcessEntry) => boolean): ProcessEntry[] {
  const found: ProcessEntry[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const [state = '?', ppid = '0'] = stat.slice(close + 2).split(' ');
      const entry = { pid: Number(name), ppid: Number(ppid), state, comm: stat.slice(stat.indexOf('(') + 1, close), cgroup: fs.readFileSync(`/proc/${name}/cgroup`, 'utf8') };
      if (match(entry)) found.push(entry);
    } catch {
      // gone while we looked
    }
  }
  return found;
}

/** Polls `find` until it returns nothing or `deadlineMs` passed; returns what is left (empty: all gone). */
export async function waitForProcessesGone(find: () => ProcessEntry[], deadlineMs: number): Promise<ProcessEntry[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const left = find();
    if (left.length === 0 || Date.now() >= until) return left;
    await sleep(50);
  }
}

export function describeProcesses(list: readonly ProcessEntry[]): string {
  return list.map((p) => `${p.pid} ${p.comm}${p.state === 'Z' ? ` (exited, not yet reaped by its parent ${p.ppid})` : ` (${p.state})`}`).join(', ');
}
