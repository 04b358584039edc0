/** `history TEMPLATE@` (docs/deployments.md): the service's kept versions, newest first, with time and result. */
import { FlotillaError } from '@flotilla/core';
import { badOptionValue } from '../cli-errors.js';
import { historyTable } from '../render/deployments.js';
import { templateArg } from './deploy.js';
import { defineVerb } from './verb.js';

export const history = defineVerb<Record<string, never>, string>({
  name: 'history',
  args: '[args...]',
  summary: 'List the versions of a service kept in its history (hash, time, result)',
  examples: ['flotilla history app@'],
  parseOptions: () => ({}),
  async handler(ctx, args) {
    if (args.length !== 1) throw badOptionValue('history', args.join(' '), 'expected one TEMPLATE@');
    const template = templateArg(args[0]!);
    const registry = await ctx.registry();
    const [h, current] = await Promise.all([registry.getHistory(template), registry.getUnit(template)]);
    if (!h) throw new FlotillaError('NO_HISTORY', `${template} has no deployment history`, { hint: `flotilla deploy units/${template} records the first versions` });
    return historyTable(h, current?.hash);
  },
  render: (text) => ({ stdout: text }),
});
