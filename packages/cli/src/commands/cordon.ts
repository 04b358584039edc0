/**
 * `cordon MACHINE...`: no new unit is placed on the machines; what runs there stays (docs/machine-lifecycle.md).
 * A machine that is draining stays draining (only `uncordon` ends a drain). MACHINE is a machine ID, a unique
 * ID prefix or a hostname.
 */
import { machineArgumentsMissing } from '../cli-errors.js';
import { changeCordons } from '../machines/set-cordon.js';
import { renderCordonResult, type CordonResult } from '../render/machine-lifecycle.js';
import { defineVerb } from './verb.js';

export const cordon = defineVerb<Record<string, never>, CordonResult[]>({
  name: 'cordon',
  args: '[machines...]',
  summary: 'Place no new units on a machine; units running there stay',
  examples: ['flotilla cordon m2', 'flotilla cordon 113f16a7', 'flotilla uncordon m2'],
  parseOptions: () => ({}),
  async handler(ctx, args) {
    if (args.length === 0) throw machineArgumentsMissing('cordon');
    const changes = await changeCordons(await ctx.registry(), args, { drain: false }, Date.now());
    return changes.map(({ machine, before }) => ({
      machine,
      before,
      outcome: before === undefined ? 'cordoned' : before.drain ? 'already draining' : 'already cordoned',
    }));
  },
  render: (results) => ({ stdout: results.map(renderCordonResult).join('') }),
});
