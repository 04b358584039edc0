/**
 * `scale [--no-block] TEMPLATE@ N`: makes `TEMPLATE@1..N` exist and be launched (created lazily like `start`:
 * from the registry's template, else from the template file the argument names) and stops and destroys the
 * numbered instances above N. Idempotent: a second run with the same N changes nothing. Blocks, as `start`
 * does, until the launched instances are active.
 */
import type { UnitRecord } from '@flotilla/core';
import { badOptionValue, duringStep, inStep } from '../cli-errors.js';
import { blockUntil } from '../units/block.js';
import { lazyCreateUnits } from '../units/lazy-create.js';
import { parseScaleCount, parseScaleTarget, planScale } from '../units/scale-plan.js';
import { blockingVerbOptions, type BlockOptions } from './block-options.js';
import { launch, untilActive } from './start.js';
import { defineVerb, type CommandContext } from './verb.js';

async function removeInstances(ctx: CommandContext, names: readonly string[]): Promise<void> {
  const registry = await ctx.registry();
  for (const name of names) {
    try {
      await registry.setDesiredState(name, 'inactive').catch(() => undefined);
      if (await registry.destroyUnit(name)) ctx.emit({ kind: 'destroyed', unit: name });
    } catch (err) {
      throw inStep('Error destroying units', err);
    }
  }
}

export const scale = defineVerb<BlockOptions, void>({
  name: 'scale',
  args: '[args...]',
  summary: 'Run exactly N numbered instances TEMPLATE@1..N of a template unit',
  examples: ['flotilla scale app@ 3', 'flotilla scale --no-block units/app@.service 5', 'flotilla scale app@ 0'],
  ...blockingVerbOptions,
  async handler(ctx, args, opts) {
    if (args.length !== 2) throw badOptionValue('scale', args.join(' '), 'expected TEMPLATE@ N');
    const target = parseScaleTarget(args[0]!);
    const count = parseScaleCount(args[1]!);
    const registry = await ctx.registry();
    const plan = planScale(target, count, (await registry.listUnits()).map((u) => u.name));
    let started: UnitRecord[] = [];
    if (plan.wanted.length > 0) {
      const records = await duringStep('Error creating units', () => lazyCreateUnits(ctx, plan.wanted, { replace: false, replaceableStates: [] }));
      started = await launch(ctx, records);
    }
    await removeInstances(ctx, plan.remove);
    if (!opts.block) {
      for (const u of started) ctx.emit({ kind: 'triggered', unit: u.name, verb: 'start', global: false });
      return;
    }
    await blockUntil(ctx, started, untilActive(opts.deadlineMs));
  },
  render: () => ({}),
});
