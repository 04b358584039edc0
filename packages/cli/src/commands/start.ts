/**
 * `start [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: submit lazily, set desired state
 * `launched`, then wait (a watch on the units' states, one deadline) until systemd reports each one active.
 */
import type { UnitRecord } from '@flotilla/core';
import { inStep } from '../cli-errors.js';
import { lazyCreateUnits } from '../units/lazy-create.js';
import { blockUntil, type BlockSpec } from '../units/block.js';
import { activeCondition } from '../units/wait.js';
import { addBlockOptions, addReplaceOption, parseBlockOptions, type BlockOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

interface StartOptions extends BlockOptions {
  replace: boolean;
}

/** Sets `launched` on every unit not already there; returns the non-global ones (globals are only triggered). */
export async function launch(ctx: CommandContext, records: readonly UnitRecord[]): Promise<UnitRecord[]> {
  const registry = await ctx.registry();
  const started: UnitRecord[] = [];
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.name) || record.desiredState === 'launched') continue;
    seen.add(record.name);
    const updated = await registry.setDesiredState(record.name, 'launched');
    if (updated.global) ctx.emit({ kind: 'triggered', unit: updated.name, verb: 'start', global: true });
    else started.push(updated);
  }
  return started;
}

/** start's wait: systemd reports each unit active (and loaded) with the submitted contents. */
export function untilActive(deadlineMs: number): BlockSpec {
  return { state: 'launched', describe: 'active', condition: (u) => activeCondition(u.hash), deadlineMs, explainPlacement: true };
}

export const start = defineVerb<StartOptions, void>({
  name: 'start',
  args: '[units...]',
  summary: 'Instruct systemd to start one or more units in the cluster, first submitting them if necessary',
  examples: [
    'flotilla start hello.service',
    'flotilla start --no-block web@1 web@2',
    'flotilla start --block-timeout 30 units/hello.service',
  ],
  configure(cmd) {
    addBlockOptions(cmd);
    addReplaceOption(cmd);
  },
  parseOptions: (raw) => ({ ...parseBlockOptions(raw), replace: Boolean(raw.replace) }),
  waitBudgetMs: (opts) => (opts.block ? opts.deadlineMs : 0),
  async handler(ctx, args, opts) {
    if (args.length === 0) {
      ctx.emit({ kind: 'no-units' });
      return;
    }
    let records: UnitRecord[];
    try {
      records = await lazyCreateUnits(ctx, args, { replace: opts.replace, replaceableStates: ['inactive', 'loaded', 'launched'] });
    } catch (err) {
      throw inStep('Error creating units', err);
    }
    const started = await launch(ctx, records);
    if (!opts.block) {
      for (const u of started) ctx.emit({ kind: 'triggered', unit: u.name, verb: 'start', global: false });
      return;
    }
    await blockUntil(ctx, started, untilActive(opts.deadlineMs));
  },
  render: () => ({}),
});
