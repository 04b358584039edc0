/**
 * Following a deployment until it ends (docs/deployments.md): a plain line for each step (state change, instances
 * replaced), the live line on a terminal, and the end as the result — `succeeded` returns, `waiting-promotion`
 * returns too (the next step is the user's: `deploy promote`), `failed` and `reverted` throw so the exit is non-zero.
 */
import { FlotillaError, isActiveDeployment, shortHash, sleep, type DeploymentRecord } from '@flotilla/core';
import type { CliRegistry } from '../cli-registry.js';
import type { CommandContext } from '../commands/verb.js';
import { deploymentStatus } from '../render/deployments.js';

const POLL_MS = 500;

export function deploymentEnded(d: DeploymentRecord): FlotillaError | undefined {
  const reason = d.reason ? `: ${d.reason}` : '';
  if (d.state === 'failed') return new FlotillaError('DEPLOYMENT_FAILED', `deployment ${d.id} of ${d.template} failed${reason}`, { hint: `flotilla history ${d.template.replace(/\.service$/, '')}; flotilla rollback ${d.template.replace(/\.service$/, '')}` });
  if (d.state === 'reverted') return new FlotillaError('DEPLOYMENT_REVERTED', `deployment ${d.id} of ${d.template} was reverted to ${shortHash(d.fromHash)}${reason}`, { hint: 'fix the version (flotilla deploy --plan FILE shows the change) and deploy again' });
  return undefined;
}

/** Steps worth a line: what changed between two reads of the record. */
function stepLines(before: DeploymentRecord | undefined, after: DeploymentRecord): string[] {
  const lines: string[] = [];
  if (before?.state !== after.state) lines.push(`Deployment ${after.id} ${after.state}${after.reason && after.state !== 'running' ? ` (${after.reason})` : ''}`);
  const old = new Set(Object.entries(before?.instances ?? {}).filter(([, i]) => i.replaced === true).map(([n]) => n));
  const fresh = before?.state !== after.state;
  const added = Object.entries(after.instances).filter(([n, i]) => i.replaced === true && (fresh || !old.has(n))).map(([n]) => n);
  if (added.length > 0 && after.state !== 'succeeded' && after.state !== 'reverted') {
    const target = after.state === 'reverting' ? after.fromHash : after.toHash;
    lines.push(after.global === true ? `Updating ${after.template} on ${added.sort().join(', ')} to ${shortHash(target)}` : `Replacing ${added.sort().join(', ')} with ${shortHash(target)}`);
  }
  return lines;
}

export async function followDeployment(ctx: CommandContext, registry: CliRegistry, first: DeploymentRecord, deadlineMs: number | undefined): Promise<DeploymentRecord> {
  const until = deadlineMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + deadlineMs;
  const count = (await registry.listServices()).find((s) => s.template === first.template)?.count;
  let last: DeploymentRecord | undefined;
  let d = first;
  for (;;) {
    for (const text of stepLines(last, d)) ctx.emit({ kind: 'deploy-step', text });
    ctx.emit({ kind: 'deploy-status', text: deploymentStatus(d, count) });
    last = d;
    if (!isActiveDeployment(d) || d.state === 'waiting-promotion') break;
    if (Date.now() >= until) break;
    await sleep(POLL_MS);
    d = (await registry.getDeployment(first.template)) ?? d;
    if (d.id !== first.id) break; // another deployment replaced it: this one ended
  }
  ctx.emit({ kind: 'progress-end' });
  const ended = deploymentEnded(d);
  if (ended) throw ended;
  if (d.state === 'waiting-promotion') ctx.emit({ kind: 'deploy-step', text: `Canaries healthy; continue with: flotilla deploy promote ${d.template.replace(/\.service$/, '')}` });
  else if (isActiveDeployment(d)) throw new FlotillaError('DEPLOYMENT_WAIT_TIMEOUT', `gave up waiting for deployment ${d.id} (${d.state}); it goes on`, { hint: 'flotilla deployments shows it' });
  return d;
}
