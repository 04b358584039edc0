/**
 * `restart [--block-attempts N] [--block-timeout S] UNIT...` (fleet's `fleetctl/restart.go`): an inactive unit prints
 * `Unable to restart unit <n> in state inactive` and is skipped (exit stays 0); a loaded one is started; a
 * launched one is stopped (wait until no machine runs it) and started again (wait until active); all units
 * stop together, then start together. Global units
 * go through the same two steps on every machine instead of fleetctl's ssh `systemctl restart`.
 */
import type { UnitRecord } from '@flotilla/core';
import { blockUntil } from '../units/block.js';
import { unitsNamed } from '../units/find.js';
import { blockingVerbOptions, type BlockOptions } from './block-options.js';
import { untilActive } from './start.js';
import { untilStopped } from './stop.js';
import { defineVerb, type CommandContext } from './verb.js';

/** Stops every launched unit (and waits), then starts them all (and waits): two waits, whatever the count. */
async function restartAll(ctx: CommandContext, units: readonly UnitRecord[], opts: BlockOptions): Promise<void> {
  const registry = await ctx.registry();
  const running = units.filter((u) => u.desiredState === 'launched');
  for (const unit of running) await registry.setDesiredState(unit.name, 'loaded');
  if (opts.block) await blockUntil(ctx, running, untilStopped(opts.deadlineMs));
  const launched: UnitRecord[] = [];
  for (const unit of units) {
    const updated = await registry.setDesiredState(unit.name, 'launched');
    if (unit.global || !opts.block) ctx.emit({ kind: 'triggered', unit: unit.name, verb: 'restart', global: unit.global });
    else launched.push(updated);
  }
  await blockUntil(ctx, launched, untilActive(opts.deadlineMs));
}

export const restart = defineVerb<BlockOptions, void>({
  name: 'restart',
  args: '[units...]',
  summary: 'Instruct systemd to restart one or more units in the cluster',
  examples: ['flotilla restart hello.service', 'flotilla restart --block-timeout 60 web@1 web@2'],
  ...blockingVerbOptions,
  // Two waits, stopped then active, each under the deadline.
  waitBudgetMs: (opts) => 2 * opts.deadlineMs,
  async handler(ctx, args, opts) {
    const units = await unitsNamed(ctx, args);
    if (units === undefined) return;
    const restartable = units.filter((u) => u.global || u.desiredState !== 'inactive');
    for (const unit of units) if (!restartable.includes(unit)) ctx.emit({ kind: 'cannot-restart', unit: unit.name });
    await restartAll(ctx, restartable, opts);
  },
  render: () => ({}),
});
