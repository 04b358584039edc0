/**
 * Faults for cluster scenarios: kill the agent inside a machine (systemd restarts it), cut a machine off the
 * bridge and heal it, stop and restart every etcd member; and for the chaos suite (test/chaos/): restart, stop,
 * start, freeze and thaw an agent, lose packets or slow a machine's link. Each returns once the fault is in place.
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

/** `systemctl restart flotilla-agent`: a restart, not a leave; returns once systemd started the new process. */
export async function restartAgent(machine: Machine): Promise<void> {
  await systemctlAgent(machine, 'restart', 60_000);
}

/** `systemctl stop flotilla-agent`: the agent leaves (its units stop here and move, docs/agent.md "Restart or leave"). */
export async function stopAgent(machine: Machine): Promise<void> {
  await systemctlAgent(machine, 'stop', 90_000); // the unit's TimeoutStopSec
}

export async function startAgent(machine: Machine): Promise<void> {
  await systemctlAgent(machine, 'start', 30_000);
}

async function systemctlAgent(machine: Machine, verb: string, timeoutMs: number): Promise<void> {
  const r = await machine.exec(['systemctl', verb, AGENT_UNIT], { timeoutMs });
  if (r.code !== 0) throw new Error(`systemctl ${verb} agent on ${machine.name}: ${r.stderr.trim()}`);
}

/** The agent's main process id in the machine's own pid namespace (0: not running). */
export async function agentMainPid(machine: Machine): Promise<number> {
  return Number((await machine.systemctlShow(AGENT_UNIT, ['MainPID'])).MainPID ?? 0);
}

/**
 * SIGSTOP to the agent's main process (found through systemd, as scheduler-fencing.test.ts freezes a leader):
 * its leases go unrenewed while systemd and the units keep running. Returns the pid `thawAgent` resumes.
 */
export async function freezeAgent(machine: Machine): Promise<number> {
  const pid = await agentMainPid(machine);
  if (pid <= 0) throw new Error(`freeze agent on ${machine.name}: the agent is not running`);
  await signalInMachine(machine, 'STOP', pid);
  return pid;
}

export async function thawAgent(machine: Machine, pid: number): Promise<void> {
  await signalInMachine(machine, 'CONT', pid);
}

async function signalInMachine(machine: Machine, signal: string, pid: number): Promise<void> {
  // The shell's kill: the minbase image has no procps (/bin/kill).
  const r = await machine.exec(['sh', '-c', `kill -${signal} "$1"`, 'sh', String(pid)], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`kill -${signal} ${pid} on ${machine.name}: ${r.stderr.trim()}`);
}

/**
 * iptables rules (network.ts's `[chain, ...spec]` form) that drop `percent`% of the packets each way between the
 * machine and the host, where etcd listens for it. Packet loss by iptables' statistic match, not `tc netem`: the
 * test bed's kernel is built without sch_netem.
 */
export function packetLossRules(machine: Machine, hostIp: string, percent: number): string[][] {
  const chance = ['-m', 'statistic', '--mode', 'random', '--probability', (percent / 100).toFixed(2), '-j', 'DROP'];
  return [
    ['INPUT', '-s', machine.ip, '-d', hostIp, ...chance],
    ['OUTPUT', '-s', hostIp, '-d', machine.ip, ...chance],
  ];
}

/**
 * A slow link: a token bucket (`tc qdisc … tbf`) on the host side of the machine's veth limits what reaches the
 * machine to `rateKbit`, so larger answers (snapshots, watch catch-ups) queue. The closest to netem's delay this
 * kernel offers (no sch_netem). Removed by `unthrottleLink`, or with the veth when the machine goes.
 */
export async function throttleLink(machine: Machine, rateKbit: number): Promise<void> {
  const r = await run('tc', ['qdisc', 'replace', 'dev', hostVeth(machine), 'root', 'tbf', 'rate', `${rateKbit}kbit`, 'burst', '4kb', 'latency', '2s'], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`throttle ${machine.name}: ${r.stderr.trim()}`);
}

export async function unthrottleLink(machine: Machine): Promise<void> {
  const r = await run('tc', ['qdisc', 'del', 'dev', hostVeth(machine), 'root'], { timeoutMs: 10_000 });
  // Gone already: the qdisc was never there, or the veth went with its machine.
  if (r.code !== 0 && !/No such file|Cannot find device|Cannot delete qdisc with handle of zero/i.test(r.stderr)) throw new Error(`unthrottle ${machine.name}: ${r.stderr.trim()}`);
}
