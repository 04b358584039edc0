/** Reads the agent's own log inside a machine: how many tasks of each kind it has done so far. */
import type { Machine } from '../../test/harness/machines.js';

export async function agentTaskCounts(machine: Machine): Promise<Record<string, number>> {
  const r = await machine.exec(['journalctl', '-u', 'flotilla-agent.service', '--no-pager', '-o', 'cat'], { timeoutMs: 30_000 });
  const counts: Record<string, number> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /"msg":"task (\w+) done"/.exec(line);
    if (m) counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
  }
  return counts;
}

/** Resident set size (kB → bytes) of the agent daemon's main process, read inside the machine. */
export async function agentRssBytes(machine: Machine): Promise<number> {
  const r = await machine.exec(['sh', '-c', 'grep VmRSS /proc/$(systemctl show -p MainPID --value flotilla-agent.service)/status'], { timeoutMs: 10_000 });
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(r.stdout)?.[1]);
  if (!Number.isFinite(kb)) throw new Error(`no VmRSS for the agent: ${r.stdout}${r.stderr}`);
  return kb * 1024;
}
