import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

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
  while (isAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) signal('SIGKILL');
  const hard = Date.now() + 5000;
  while (isAlive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
}

function isZombie(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}
