/**
 * `start [--no-block] [--block-attempts N] [--block-timeout S] UNIT...`: submit lazily, set desired state
 * `launched`, then wait (a watch on the units' states, one deadline) until systemd reports each one active.
 */
import type { UnitRecord } from '@flotilla/core';
import { duringStep } from '../cli-errors.js';
import { lazyCreateUnitsIn } from '../units/lazy-create.js';
import type { BlockSpec } from '../units/block.js';
import { requestDesiredState, triggerOrBlock } from '../units/state-change.js';
import { activeCondition } from '../units/wait.js';
import { creatingVerbOptions, type CreatingOptions } from './block-options.js';
import { defineVerb, type CommandContext } from './verb.js';

/** Sets `launched` on every unit not already there; returns the non-global ones (globals are only triggered). */
export function launch(ctx: CommandContext, records: readonly UnitRecord[], createdLaunched: ReadonlySet<string> = new Set()): Promise<UnitRecord[]> {
  return requestDesiredState(ctx, records, 'start', 'launched', (u) => u.desiredState !== 'launched', undefined, createdLaunched);
}

/** start's wait: systemd reports each unit active (and loaded) with the submitted contents. */
export function untilActive(deadlineMs: number): BlockSpec {
  return { state: 'launched', describe: 'active', condition: (u) => activeCondition(u.hash), deadlineMs, explainPlacement: true };
}

export const start = defineVerb<CreatingOptions, void>({
  name: 'start',
  args: '[units...]',
  summary: 'Instruct systemd to start one or more units in the cluster, first submitting them if necessary',
  examples: [
    'flotilla start hello.service',
    'flotilla start --no-block web@1 web@2',
    'flotilla start --block-timeout 30 units/hello.service',
  ],
  ...creatingVerbOptions,
  async handler(ctx, args, opts) {
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    const { records, createdIn } = await duringStep('Error creating units', () =>
      lazyCreateUnitsIn(ctx, args, { replace: opts.replace, replaceableStates: ['inactive', 'loaded', 'launched'] }, 'launched'));
    await triggerOrBlock(ctx, await launch(ctx, records, createdIn), 'start', opts.block, untilActive(opts.deadlineMs));
  },
  render: () => ({}),
});
