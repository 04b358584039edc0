/**
 * `rollback [--to VERSION] TEMPLATE@` (docs/deployments.md): deploys an earlier version from the service's history
 * — the newest healthy one that is not current, or the one `--to` names by hash prefix — with the same gating as
 * any deployment. Follows it like `deploy`.
 */
import { shortHash, startRollback } from '@flotilla/core';
import { badOptionValue } from '../cli-errors.js';
import { followDeployment } from '../units/deploy-follow.js';
import { addFollowOptions, followBudget, parseFollowOptions, templateArg, type FollowOptions } from './deploy.js';
import { defineVerb } from './verb.js';

export const rollback = defineVerb<FollowOptions & { to?: string }, void>({
  name: 'rollback',
  args: '[args...]',
  summary: 'Deploy an earlier version of a service (the last healthy one, or --to VERSION)',
  examples: ['flotilla rollback app@', 'flotilla rollback --to 3f2a9c1 app@'],
  configure(cmd) {
    addFollowOptions(cmd);
    cmd.option('--to <version>', 'the version (a hash prefix, as `history` shows it)');
  },
  parseOptions: (raw) => ({ ...parseFollowOptions(raw), ...(typeof raw.to === 'string' ? { to: raw.to } : {}) }),
  waitBudgetMs: followBudget,
  async handler(ctx, args, opts) {
    if (args.length !== 1) throw badOptionValue('rollback', args.join(' '), 'expected one TEMPLATE@');
    const template = templateArg(args[0]!);
    const registry = await ctx.registry();
    const { deployment: d, target } = await startRollback(registry, template, opts.to);
    ctx.emit({ kind: 'deploy-step', text: `Deployment ${d.id} of ${template} started: rollback to ${shortHash(target.hash)}` });
    if (opts.block) await followDeployment(ctx, registry, d, opts.deadlineMs);
  },
  render: () => ({}),
});
