/** The test network: a bridge the harness makes itself, with a /24 of 10.213.x.0 that no other route uses. */
import { run, runOk } from './exec.js';

export interface BridgePlan {
  bridge: string;
  subnet: string; // e.g. "10.213.57"
  hostIp: string; // subnet + ".1"
}

const SUBNET_BASE = '10.213';

/** Picks a free 10.213.x.0/24 (x from `preferred`, else the first unused) and creates the bridge. */
export async function createBridge(name: string, preferred?: number): Promise<BridgePlan> {
  const routes = await runOk('ip', ['-4', 'route', 'show']);
  const used = new Set<number>();
  for (const match of routes.matchAll(/10\.213\.(\d+)\.0\/24/g)) used.add(Number(match[1]));
  const candidates = preferred !== undefined ? [preferred] : [];
  for (let x = 10 + (process.pid % 200); candidates.length < 250; x = (x + 1) % 250) candidates.push(x + 2);
  const x = candidates.find((c) => !used.has(c));
  if (x === undefined) throw new Error('no free 10.213.x.0/24 subnet for the test bridge');
  const plan: BridgePlan = { bridge: name, subnet: `${SUBNET_BASE}.${x}`, hostIp: `${SUBNET_BASE}.${x}.1` };
  await run('ip', ['link', 'del', name]); // a leftover of the same name
  await runOk('ip', ['link', 'add', name, 'type', 'bridge']);
  await runOk('ip', ['addr', 'add', `${plan.hostIp}/24`, 'dev', name]);
  await runOk('ip', ['link', 'set', name, 'up']);
  return plan;
}

export async function deleteBridge(name: string): Promise<void> {
  await run('ip', ['link', 'del', name]);
}

/** Once dockerd has run, FORWARD's policy is DROP: let bridged traffic between machines through. */
export function forwardRule(bridge: string): string[] {
  return ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
}

export async function addIptablesRule(rule: string[]): Promise<boolean> {
  const [chain, ...spec] = rule;
  const result = await run('iptables', ['-I', chain!, ...spec]);
  return result.code === 0;
}

export async function deleteIptablesRule(rule: string[]): Promise<void> {
  const [chain, ...spec] = rule;
  // Delete every copy (idempotent teardown).
  for (let i = 0; i < 10; i++) {
    const result = await run('iptables', ['-D', chain!, ...spec]);
    if (result.code !== 0) return;
  }
}
