/** `destroy UNIT...`: remove units from the cluster (unit, schedule and assignment); stdout `Destroyed <n>`. */
import { Option } from 'commander';
import { duringStep } from '../cli-errors.js';
import { unitsNamed } from '../units/find.js';
import { defineVerb } from './verb.js';

export const destroy = defineVerb<Record<string, never>, void>({
  name: 'destroy',
  args: '[units...]',
  summary: 'Destroy one or more units in the cluster',
  examples: ['flotilla destroy hello.service', 'flotilla destroy web@1 web@2 web@.service'],
  configure(cmd) {
    // fleetctl accepts these on destroy; Flotilla never waits for a destroy, so they do nothing.
    cmd.addOption(new Option('--no-block').hideHelp());
    cmd.addOption(new Option('--block-attempts <n>').hideHelp());
  },
  parseOptions: () => ({}),
  async handler(ctx, args) {
    const units = await unitsNamed(ctx, args);
    if (units === undefined) return;
    const registry = await ctx.registry();
    for (const unit of units) {
      const existed = await duringStep('Error destroying units', () => registry.destroyUnit(unit.name));
      // Already gone (someone else destroyed it meanwhile): fleetctl ignores that too.
      if (existed) ctx.emit({ kind: 'destroyed', unit: unit.name });
    }
  },
  render: () => ({}),
});
