/** `destroy UNIT...`: remove units from the cluster (unit, schedule and assignment); stdout `Destroyed <n>`. */
import { Option } from 'commander';
import { inStep } from '../cli-errors.js';
import { findUnits } from '../units/find.js';
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
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    const registry = await ctx.registry();
    const units = await findUnits(registry, args);
    if (units.length === 0) return ctx.emit({ kind: 'units-not-found' });
    for (const unit of units) {
      let existed: boolean;
      try {
        existed = await registry.destroyUnit(unit.name);
      } catch (err) {
        throw inStep('Error destroying units', err);
      }
      // Already gone (someone else destroyed it meanwhile): fleetctl ignores that too.
      if (existed) ctx.emit({ kind: 'destroyed', unit: unit.name });
    }
  },
  render: () => ({}),
});
