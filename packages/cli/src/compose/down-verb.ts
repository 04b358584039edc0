/** `compose down`: destroys the project's units (templates first, so no instance is made again) and nothing else. */
import { unitNameInfo } from '@flotilla/core';
import { duringStep } from '../cli-errors.js';
import { defineVerb } from '../commands/verb.js';
import { addComposeOptions, composeOptions } from './options.js';
import { projectUnitsOf } from './project-units.js';
import type { ComposeOptions } from './compose-file.js';

export const composeDown = defineVerb<ComposeOptions, void>({
  name: 'down',
  args: '',
  summary: 'Stop and destroy the units of a compose project (only those)',
  examples: ['flotilla compose down', 'flotilla compose -p shop down'],
  configure: (cmd) => void addComposeOptions(cmd),
  parseOptions: composeOptions,
  async handler(ctx, _args, opts) {
    // Loaded on use: the yaml parser is not for other commands (cold start: docs/fleetctl-compat.md).
    const project = (await import('./project-name.js')).projectName(ctx, opts);
    const registry = await ctx.registry();
    const units = projectUnitsOf(await registry.listUnits(), project)
      .map((u) => u.name)
      .sort((a, b) => Number(!unitNameInfo(a).isTemplate) - Number(!unitNameInfo(b).isTemplate) || a.localeCompare(b));
    if (units.length === 0) return ctx.emit({ kind: 'note', text: `No units of project ${project}`, stderr: true });
    for (const name of units) {
      if (await duringStep('Error destroying units', () => registry.destroyUnit(name))) ctx.emit({ kind: 'destroyed', unit: name });
    }
  },
  render: () => ({}),
});
