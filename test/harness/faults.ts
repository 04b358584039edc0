/**
 * Faults for cluster scenarios: kill the agent inside a machine (systemd restarts it), cut a machine off the
 * bridge and heal it, stop and restart every etcd member. Each returns once the fault is in place.
 */
import { run } from './exec.js';
import type { EtcdHandle } from './etcd.js';
import type { Machine } from './machines.js';

export const AGENT_UNIT = 'flotilla-agent.service';

/** kill -9 of the agent's main process; its unit (Restart=always, RestartSec=1) starts it again. */
export async function killAgent(machine: Machine): Promise<void> {
  const r = await machine.exec(['systemctl', 'kill', '--kill-who=main', '--signal=SIGKILL', AGENT_UNIT], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`kill agent on ${machine.name}: ${r.stderr.trim()}`);
}

/** The host side of the machine's veth (nspawn names it vb-<name>, cut to 15 characters). */
export function hostVeth(machine: Machine): string {
  return `vb-${machine.name}`.slice(0, 15);
}

/** Takes the machine's link to the bridge down: it reaches neither etcd nor the other machines. */
export async function partition(machine: Machine): Promise<void> {
  const r = await run('ip', ['link', 'set', hostVeth(machine), 'down'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`partition ${machine.name}: ${r.stderr.trim()}`);
}

export async function heal(machine: Machine): Promise<void> {
  const r = await run('ip', ['link', 'set', hostVeth(machine), 'up'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`heal ${machine.name}: ${r.stderr.trim()}`);
}

export async function stopAllEtcd(etcd: EtcdHandle): Promise<void> {
  for (const m of etcd.members) await etcd.killMember(m.name);
}

export async function restartAllEtcd(etcd: EtcdHandle): Promise<void> {
  await Promise.all(etcd.members.map((m) => etcd.restartMember(m.name)));
}
