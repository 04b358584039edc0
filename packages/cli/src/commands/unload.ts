/**
 * `unload [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: set desired state `inactive` (the
 * unit is unscheduled), then wait until no machine reports it; stderr `Successfully unloaded units [a b].`
 */
import type { UnitRecord } from '@flotilla/core';
import type { BlockSpec } from '../units/block.js';
import { requestDesiredState, triggerOrBlock } from '../units/state-change.js';
import { findUnits } from '../units/find.js';
import { goneCondition } from '../units/wait.js';
import { addBlockOptions, parseBlockOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

export function untilUnloaded(deadlineMs: number): BlockSpec {
  return { state: 'inactive', describe: 'inactive', condition: () => goneCondition(), deadlineMs, explainPlacement: false };
}

/** Non-globals already inactive are skipped; globals are only triggered. Undefined: nothing found. */
async function requestUnload(ctx: CommandContext, args: readonly string[]): Promise<UnitRecord[] | undefined> {
  const units = await findUnits(await ctx.registry(), args);
  if (units.length === 0) return undefined;
  return requestDesiredState(ctx, units, 'unload', 'inactive', (u) => u.global || u.desiredState !== 'inactive');
}

export const unload = defineVerb<BlockOptions, void>({
  name: 'unload',
  args: '[units...]',
  summary: 'Unschedule one or more units in the cluster',
  examples: ['flotilla unload hello.service', 'flotilla unload --no-block web@1 web@2'],
  configure: addBlockOptions,
  parseOptions: parseBlockOptions,
  waitBudgetMs: (opts) => (opts.block ? opts.deadlineMs : 0),
  async handler(ctx, args, opts) {
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    const unloading = await requestUnload(ctx, args);
    if (unloading === undefined) return ctx.emit({ kind: 'units-not-found' });
    await triggerOrBlock(ctx, unloading, 'unload', opts.block, untilUnloaded(opts.deadlineMs));
    if (opts.block) ctx.emit({ kind: 'unloaded', units: unloading.map((u) => u.name) });
  },
  render: () => ({}),
});
