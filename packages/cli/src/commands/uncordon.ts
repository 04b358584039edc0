/** `uncordon MACHINE...`: the machines take new units again; a drain in progress stops (docs/machine-lifecycle.md). */
import { machineArgumentsMissing } from '../cli-errors.js';
import { changeCordons } from '../machines/set-cordon.js';
import { renderCordonResult, type CordonResult } from '../render/machine-lifecycle.js';
import { defineVerb } from './verb.js';

export const uncordon = defineVerb<Record<string, never>, CordonResult[]>({
  name: 'uncordon',
  args: '[machines...]',
  summary: 'Make a cordoned or draining machine schedulable again',
  examples: ['flotilla uncordon m2', 'flotilla uncordon 113f16a7b2c4d6e8f0a1b2c3d4e5f6a7'],
  parseOptions: () => ({}),
  async handler(ctx, args) {
    if (args.length === 0) throw machineArgumentsMissing('uncordon');
    const changes = await changeCordons(await ctx.registry(), args, undefined, Date.now());
    return changes.map(({ machine, before }) => ({ machine, before, outcome: before === undefined ? 'not cordoned' : 'uncordoned' }));
  },
  render: (results) => ({ stdout: results.map(renderCordonResult).join('') }),
});
