/**
 * Deployments as text (docs/deployments.md), pure: the `deployments` and `history` tables, one deployment's
 * progress line, and `deploy --plan`'s report (a line diff of the unit text, the instances to replace, the batches).
 */
import { canonicalText, deploymentProgress, shortHash, updateStrategyOf, type DeploymentRecord, type ServiceHistory, type UnitOption } from '@flotilla/core';
import { renderTable } from './table.js';

const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** `2/3 healthy` of the instances on the current target, out of the service's count (when known). */
export function progressOf(d: DeploymentRecord, count?: number): string {
  const p = deploymentProgress(d, count);
  return `${p.healthy}/${p.total} healthy`;
}

/** The live line while following: state, batch and health. */
export function deploymentStatus(d: DeploymentRecord, count: number | undefined): string {
  const p = deploymentProgress(d, count);
  return `${d.id} ${d.state}: batch ${p.batch}/${p.batches}, ${p.healthy}/${p.total} healthy on ${shortHash(p.target)}`;
}

export function deploymentsTable(deployments: readonly DeploymentRecord[]): string {
  if (deployments.length === 0) return '';
  const rows = deployments.map((d) => [d.id, d.template, d.state, progressOf(d), `${shortHash(d.fromHash)} → ${shortHash(d.toHash)}`, when(d.createdAt), d.reason ?? '-']);
  return renderTable([['ID', 'SERVICE', 'STATE', 'PROGRESS', 'VERSION', 'STARTED', 'REASON'], ...rows]);
}

/** Newest first; `*` marks the version the template holds now. */
export function historyTable(history: ServiceHistory, currentHash: string | undefined): string {
  const rows = [...history.versions].reverse().map((v) => [`${v.hash === currentHash ? '*' : ' '}${shortHash(v.hash)}`, when(v.at), v.result, v.deploymentId ?? '-']);
  return renderTable([[' VERSION', 'DEPLOYED', 'RESULT', 'DEPLOYMENT'], ...rows]);
}

/** A line diff (longest common subsequence; unit files are short), `-`/`+`/` ` prefixed. */
export function lineDiff(before: string, after: string): string[] {
  const a = before.split('\n');
  const b = after.split('\n');
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) out.push(` ${a[i++]}`), j++;
    else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return out.filter((line, k, all) => !(k === all.length - 1 && line === ' '));
}

export interface DeployPlanInput {
  template: string;
  file: string;
  stored: { hash: string; options: UnitOption[] };
  next: { hash: string; options: UnitOption[] };
  count: number;
  /** The service's numbered instances that exist, with their version (a global unit's: its machines, by id). */
  instances: { name: string; hash: string }[];
  /** A global unit: instances are machines (docs/deployments.md "Global units"). */
  global?: boolean;
}

/** What `deploy --plan` prints: nothing is changed. */
export function deployPlanText(p: DeployPlanInput): string {
  const strategy = updateStrategyOf(p.next.options);
  const what = p.global === true ? { head: 'Global unit', one: 'machine', verb: 'Machines to update' } : { head: 'Service', one: 'instance', verb: 'Instances to replace' };
  const lines = [`${what.head} ${p.template}: ${p.count} ${what.one}${p.count === 1 ? '' : 's'}, version ${shortHash(p.stored.hash)} → ${shortHash(p.next.hash)}`];
  if (p.stored.hash === p.next.hash) lines.push('The unit text is unchanged.');
  else lines.push(`--- ${p.template} (${shortHash(p.stored.hash)}, stored)`, `+++ ${p.file} (${shortHash(p.next.hash)})`, ...lineDiff(canonicalText(p.stored.options), canonicalText(p.next.options)));
  if ('problem' in strategy) return `${lines.join('\n')}\n`;
  lines.push(
    `Strategy: MaxParallel=${strategy.maxParallel} MinHealthyTime=${strategy.minHealthyTimeMs}ms HealthyDeadline=${strategy.healthyDeadlineMs}ms ` +
      `ProgressDeadline=${strategy.progressDeadlineMs}ms Canary=${strategy.canary} AutoPromote=${strategy.autoPromote ? 'yes' : 'no'} AutoRevert=${strategy.autoRevert ? 'yes' : 'no'}`,
  );
  const replace = p.instances.filter((i) => i.hash !== p.next.hash).map((i) => i.name);
  if (replace.length === 0) {
    lines.push(`${what.verb}: none`);
    return `${lines.join('\n')}\n`;
  }
  lines.push(`${what.verb}: ${replace.join(', ')}`);
  let rest = replace;
  let n = 1;
  if (strategy.canary > 0) {
    lines.push(`Batch ${n++} (canary, then wait for flotilla deploy promote): ${rest.slice(0, strategy.canary).join(', ')}`);
    rest = rest.slice(strategy.canary);
  }
  for (; rest.length > 0; rest = rest.slice(strategy.maxParallel)) lines.push(`Batch ${n++}: ${rest.slice(0, strategy.maxParallel).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
