/**
 * `stop [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: set desired state `loaded` and wait
 * until no machine reports the units running; then stderr `Successfully stopped units [a b].`
 */
import type { UnitRecord } from '@flotilla/core';
import { cannotStopInactive } from '../cli-errors.js';
import type { BlockSpec } from '../units/block.js';
import { changeNamedUnits, requestDesiredState } from '../units/state-change.js';
import { stoppedCondition } from '../units/wait.js';
import { blockingVerbOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

/** Sets `loaded`; returns the units to wait for (globals are only triggered). */
function requestStop(ctx: CommandContext, units: readonly UnitRecord[]): Promise<UnitRecord[]> {
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
  ...blockingVerbOptions,
  handler: (ctx, args, opts) => changeNamedUnits(ctx, args, opts, { verb: 'stop', request: requestStop, until: untilStopped, done: 'stopped' }),
  render: () => ({}),
});
