/**
 * `stop [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: set desired state `loaded` and wait
 * until no machine reports the units running; then stderr `Successfully stopped units [a b].`
 */
import type { UnitRecord } from '@flotilla/core';
import { cannotStopInactive } from '../cli-errors.js';
import { blockUntil, type BlockSpec } from '../units/block.js';
import { findUnits } from '../units/find.js';
import { stoppedCondition } from '../units/wait.js';
import { addBlockOptions, parseBlockOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

/** Units to wait for, after setting `loaded`; globals are only triggered. Undefined: nothing was found. */
async function requestStop(ctx: CommandContext, args: readonly string[]): Promise<UnitRecord[] | undefined> {
  const registry = await ctx.registry();
  const units = await findUnits(registry, args);
  if (units.length === 0) return undefined;
  const stopping: UnitRecord[] = [];
  for (const unit of units) {
    // fleetctl checked the unit's current state; Flotilla's nearest equivalent is the desired state.
    if (!unit.global && unit.desiredState === 'inactive') throw cannotStopInactive(unit.name);
    if (!unit.global && unit.desiredState === 'loaded') continue;
    await registry.setDesiredState(unit.name, 'loaded');
    if (unit.global) ctx.emit({ kind: 'triggered', unit: unit.name, verb: 'stop', global: true });
    else stopping.push(unit);
  }
  return stopping;
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
    if (!opts.block) {
      for (const u of stopping) ctx.emit({ kind: 'triggered', unit: u.name, verb: 'stop', global: false });
      return;
    }
    await blockUntil(ctx, stopping, untilStopped(opts.deadlineMs));
    ctx.emit({ kind: 'stopped', units: stopping.map((u) => u.name) });
  },
  render: () => ({}),
});
