/**
 * `stop [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: set desired state `loaded` and wait
 * until no machine reports the units running; then stderr `Successfully stopped units [a b].`
 */
import type { UnitRecord } from '@flotilla/core';
import { cannotStopInactive } from '../cli-errors.js';
import type { BlockSpec } from '../units/block.js';
import { requestDesiredState, triggerOrBlock } from '../units/state-change.js';
import { findUnits } from '../units/find.js';
import { stoppedCondition } from '../units/wait.js';
import { addBlockOptions, parseBlockOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

/** Units to wait for, after setting `loaded`; globals are only triggered. Undefined: nothing was found. */
async function requestStop(ctx: CommandContext, args: readonly string[]): Promise<UnitRecord[] | undefined> {
  const units = await findUnits(await ctx.registry(), args);
  if (units.length === 0) return undefined;
  // fleetctl checked the unit's current state; Flotilla's nearest equivalent is the desired state.
  const refuseInactive = (u: UnitRecord) => {
    if (!u.global && u.desiredState === 'inactive') throw cannotStopInactive(u.name);
  };
  return requestDesiredState(ctx, units, 'stop', 'loaded', (u) => u.global || u.desiredState !== 'loaded', refuseInactive);
}

/** stop's wait: no machine reports the unit running any more. */
export function untilStopped(deadlineMs: number): BlockSpec {
  return { state: 'loaded', describe: 'loaded', condition: () => stoppedCondition(), deadlineMs, explainPlacement: false };
}

export const stop = defineVerb<BlockOptions, void>({
  name: 'stop',
  args: '[units...]',
  summary: 'Instruct systemd to stop one or more units in the cluster',
  examples: ['flotilla stop hello.service', 'flotilla stop --no-block web@1 web@2'],
  configure: addBlockOptions,
  parseOptions: parseBlockOptions,
  waitBudgetMs: (opts) => (opts.block ? opts.deadlineMs : 0),
  async handler(ctx, args, opts) {
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    const stopping = await requestStop(ctx, args);
    if (stopping === undefined) return ctx.emit({ kind: 'units-not-found' });
    await triggerOrBlock(ctx, stopping, 'stop', opts.block, untilStopped(opts.deadlineMs));
    if (opts.block) ctx.emit({ kind: 'stopped', units: stopping.map((u) => u.name) });
  },
  render: () => ({}),
});
