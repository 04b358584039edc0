/**
 * `deploy [--plan] [--no-block] FILE` and `deploy promote TEMPLATE@` (docs/deployments.md): a new version of a
 * stored service's template, rolled out by the elected scheduler under the template's update strategy. Follows the
 * deployment until it ends (or waits for promotion); exits non-zero when it failed or was reverted. `--plan` shows
 * the change and the batches and writes nothing, like `nomad job plan`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { InvalidDeploymentError, loadUnitFile, makeUnitRecord, planScale, type UnitSpec } from '@flotilla/core';
import type { Command, OptionValues } from 'commander';
import { badOptionValue, unitNotFoundOnDisk } from '../cli-errors.js';
import type { CliRegistry } from '../cli-registry.js';
import { deployPlanText } from '../render/deployments.js';
import { followDeployment } from '../units/deploy-follow.js';
import { runDeployment } from '../units/deploy-run.js';
import { parseScaleTarget } from '../units/scale-plan.js';
import { parseSeconds } from '../global-options.js';
import { defineVerb, type CommandContext } from './verb.js';

/** How long a follow may take at most when no --block-timeout is given: each step is bounded by ProgressDeadline. */
const FOLLOW_BUDGET_MS = 24 * 3600 * 1000;

export interface FollowOptions {
  block: boolean;
  /** --block-timeout: stop following (the deployment goes on). */
  deadlineMs?: number;
}

export function addFollowOptions(cmd: Command): void {
  cmd.option('--no-block', 'return once the deployment is started, without following it');
  cmd.option('--block-timeout <seconds>', 'stop following after this long (the deployment goes on)');
}

export function parseFollowOptions(raw: OptionValues): FollowOptions {
  const deadlineMs = raw.blockTimeout === undefined ? undefined : parseSeconds('--block-timeout', String(raw.blockTimeout)) * 1000;
  return { block: raw.block !== false, ...(deadlineMs === undefined ? {} : { deadlineMs }) };
}

export const followBudget = (opts: FollowOptions): number => (opts.block ? (opts.deadlineMs ?? FOLLOW_BUDGET_MS) : 0);

/** `app@` or `app@.service` → `app@.service`. */
export function templateArg(arg: string): string {
  // A global unit is named as itself (docs/deployments.md "Global units"): `g` or `g.service`.
  if (!arg.includes('@')) return /\.[a-z]+$/.test(arg) ? arg : `${arg}.service`;
  const t = parseScaleTarget(arg);
  return `${t.prefix}@.${t.suffix}`;
}

async function readTemplateFile(ctx: CommandContext, file: string): Promise<UnitSpec> {
  const name = path.basename(file);
  const text = await fs.readFile(path.resolve(ctx.cwd, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw unitNotFoundOnDisk(name, name.includes('@.'));
    throw err;
  });
  // Checked as a submitted file: a bad strategy key names the file, line and key, and nothing is written.
  return loadUnitFile(name, text, file);
}

async function planText(registry: CliRegistry, spec: UnitSpec, file: string): Promise<string> {
  const [stored, services, units] = await Promise.all([registry.getUnit(spec.name), registry.listServices(), registry.listUnits()]);
  if (stored?.global === true && !spec.name.includes('@')) {
    // The machines assigned the unit, each on its assignment's hash (its version pin).
    const assigned = [...((await registry.snapshot()).globalAssignments.get(spec.name)?.values() ?? [])].sort((a, b) => (a.machineId < b.machineId ? -1 : 1));
    const next = makeUnitRecord(spec, stored.desiredState);
    if (!next.global) throw new InvalidDeploymentError(`${spec.name} is a global unit and the new version is not: a deployment does not change the kind of unit`, `destroy ${spec.name} and start the new version`);
    return deployPlanText({ template: spec.name, file, stored, next, count: assigned.length, instances: assigned.map((a) => ({ name: a.machineId, hash: a.hash })), global: true });
  }
  const service = services.find((s) => s.template === spec.name);
  // The same refusal as the deployment itself (planStart's), without writing.
  if (!stored || !service) throw new InvalidDeploymentError(`${spec.name} is not a stored service`);
  const target = parseScaleTarget(spec.name);
  const wanted = new Set(planScale({ ...target, dir: '' }, service.count, []).wanted);
  const instances = units.filter((u) => wanted.has(u.name)).sort((a, b) => instanceNumber(a.name) - instanceNumber(b.name));
  const next = makeUnitRecord(spec, 'inactive');
  return deployPlanText({ template: spec.name, file, stored, next, count: service.count, instances });
}
const instanceNumber = (name: string) => Number(name.slice(name.lastIndexOf('@') + 1, name.lastIndexOf('.')));

interface DeployOptions extends FollowOptions {
  plan: boolean;
}

export const deploy = defineVerb<DeployOptions, string>({
  name: 'deploy',
  args: '[args...]',
  summary: 'Roll a new version of a service\'s template out to its instances, gated by health (or: deploy promote TEMPLATE@)',
  examples: ['flotilla deploy units/app@.service', 'flotilla deploy --plan units/app@.service', 'flotilla deploy promote app@'],
  configure(cmd) {
    addFollowOptions(cmd);
    cmd.option('--plan', 'show the change, the instances to replace and the batches; change nothing');
  },
  parseOptions: (raw) => ({ ...parseFollowOptions(raw), plan: raw.plan === true }),
  waitBudgetMs: (opts) => (opts.plan ? 0 : followBudget(opts)),
  async handler(ctx, args, opts) {
    if (args[0] === 'promote') {
      const registry = await ctx.registry();
      if (args.length !== 2) throw badOptionValue('deploy promote', args.slice(1).join(' '), 'expected one TEMPLATE@');
      const d = await registry.promoteDeployment(templateArg(args[1]!));
      ctx.emit({ kind: 'deploy-step', text: `Deployment ${d.id} promoted` });
      if (opts.block) await followDeployment(ctx, registry, d, opts.deadlineMs);
      return '';
    }
    if (args.length !== 1) throw badOptionValue('deploy', args.join(' '), 'expected one template file, e.g. units/app@.service');
    const spec = await readTemplateFile(ctx, args[0]!);
    const registry = await ctx.registry();
    if (opts.plan) return planText(registry, spec, args[0]!);
    await runDeployment(ctx, registry, spec, opts);
    return '';
  },
  render: (text) => (text ? { stdout: text } : {}),
});
