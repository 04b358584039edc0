/** `deployments` (docs/deployments.md): every service's latest deployment, its state and progress. */
import { deploymentsTable } from '../render/deployments.js';
import { defineVerb } from './verb.js';

export const deployments = defineVerb<Record<string, never>, string>({
  name: 'deployments',
  args: '',
  summary: 'List the latest deployment of every service',
  examples: ['flotilla deployments'],
  parseOptions: () => ({}),
  handler: async (ctx) => deploymentsTable(await (await ctx.registry()).listDeployments()),
  render: (text) => ({ stdout: text }),
});
