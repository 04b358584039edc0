/**
 * `unload [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: set desired state `inactive` (the
 * unit is unscheduled), then wait until no machine reports it; stderr `Successfully unloaded units [a b].`
 */
import type { UnitRecord } from '@flotilla/core';
import type { BlockSpec } from '../units/block.js';
import { changeNamedUnits, requestDesiredState } from '../units/state-change.js';
import { goneCondition } from '../units/wait.js';
import { blockingVerbOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

export function untilUnloaded(deadlineMs: number): BlockSpec {
  return { state: 'inactive', describe: 'inactive', condition: () => goneCondition(), deadlineMs, explainPlacement: false };
}

/** Sets `inactive`: non-globals already inactive are skipped; globals are only triggered. */
function requestUnload(ctx: CommandContext, units: readonly UnitRecord[]): Promise<UnitRecord[]> {
  return requestDesiredState(ctx, units, 'unload', 'inactive', (u) => u.global || u.desiredState !== 'inactive');
}

export const unload = defineVerb<BlockOptions, void>({
  name: 'unload',
  args: '[units...]',
  summary: 'Unschedule one or more units in the cluster',
  examples: ['flotilla unload hello.service', 'flotilla unload --no-block web@1 web@2'],
  ...blockingVerbOptions,
  handler: (ctx, args, opts) => changeNamedUnits(ctx, args, opts, { verb: 'unload', request: requestUnload, until: untilUnloaded, done: 'unloaded' }),
  render: () => ({}),
});
