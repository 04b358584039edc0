/**
 * `load [--no-block] [--block-attempts N] [--block-timeout S] [--replace] UNIT...`: submit lazily, set desired
 * state `loaded` (units already desired loaded are skipped), then wait until an agent reports each unit
 * loaded. Globals print `Triggered global unit <n> load` and are not waited for (as fleet's `fleetctl/load.go`).
 */
import { duringStep } from '../cli-errors.js';
import type { BlockSpec } from '../units/block.js';
import { requestDesiredState, triggerOrBlock } from '../units/state-change.js';
import { lazyCreateUnitsIn } from '../units/lazy-create.js';
import { loadedCondition } from '../units/wait.js';
import { creatingVerbOptions, type CreatingOptions } from './block-options.js';
import { defineVerb } from './verb.js';

export function untilLoaded(deadlineMs: number): BlockSpec {
  return { state: 'loaded', describe: 'loaded', condition: (u) => loadedCondition(u.hash), deadlineMs, explainPlacement: true };
}

export const load = defineVerb<CreatingOptions, void>({
  name: 'load',
  args: '[units...]',
  summary: 'Schedule one or more units in the cluster, first submitting them if necessary',
  examples: ['flotilla load hello.service', 'flotilla load --no-block web@1 web@2', 'flotilla load --replace units/hello.service'],
  ...creatingVerbOptions,
  async handler(ctx, args, opts) {
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    const { records, createdIn } = await duringStep('Error creating units', () =>
      lazyCreateUnitsIn(ctx, args, { replace: opts.replace, replaceableStates: ['inactive', 'loaded'] }, 'loaded'));
    const loading = await requestDesiredState(ctx, records, 'load', 'loaded', (u) => u.desiredState !== 'loaded', undefined, createdIn);
    await triggerOrBlock(ctx, loading, 'load', opts.block, untilLoaded(opts.deadlineMs));
  },
  render: () => ({}),
});
