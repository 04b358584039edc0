/**
 * CPU time (user + system, ms) each long-lived process inside a machine has used so far, by process name, read
 * from /proc/PID/stat: a bench takes it before and after a burst to see where a machine's CPU went (systemd,
 * journald, the bus, the agent). Processes that exited in between are not counted.
 */
import type { Machine } from '../../test/harness/machines.js';

export type CpuByName = Map<string, number>;

export async function machineCpu(machine: Machine): Promise<CpuByName> {
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  const r = await machine.exec(['sh', '-c', 'for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done'], { timeoutMs: 30_000 });
  const out: CpuByName = new Map();
  for (const line of r.stdout.split('\n')) {
    // pid (comm) state ppid ... field 14 utime, 15 stime; comm may contain spaces, so split after the last ')'.
    const close = line.lastIndexOf(')');
    if (close < 0) continue;
    const comm = line.slice(line.indexOf('(') + 1, close);
    const fields = line.slice(close + 2).split(' ');
    const ms = (Number(fields[11]) + Number(fields[12])) * tick;
    if (Number.isFinite(ms)) out.set(comm, (out.get(comm) ?? 0) + ms);
  }
  return out;
}

/** "name +ms, …" for the processes whose CPU time grew by at least `minMs` between two readings. */
export function describeCpu(before: CpuByName, after: CpuByName, minMs = 20): string {
  const grew = [...after].map(([name, ms]) => [name, ms - (before.get(name) ?? 0)] as const).filter(([, d]) => d >= minMs).sort((a, b) => b[1] - a[1]);
  return grew.map(([name, d]) => `${name} +${Math.round(d)} ms`).join(', ') || 'nothing';
}
