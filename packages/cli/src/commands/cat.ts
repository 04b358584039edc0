/** `cat UNIT`: print a submitted unit's canonical text (fleetctl prints the re-serialized unit). */
import { canonicalText, mangleUnitName, type UnitRecord } from '@flotilla/core';
import { catNeedsOneUnit, catUnitNotFound } from '../cli-errors.js';
import { unitJson } from '../render/json.js';
import { renderJson, type OutputFormat } from '../render/output-format.js';
import { addOutputOption, parseOutput } from './list-options.js';
import { defineVerb } from './verb.js';

export const cat = defineVerb<{ output: OutputFormat }, UnitRecord>({
  name: 'cat',
  args: '[unit...]',
  summary: 'Output the contents of a submitted unit',
  examples: ['flotilla cat hello.service', 'flotilla cat web@1', 'flotilla cat -o json hello'],
  configure: addOutputOption,
  parseOptions: (raw) => ({ output: parseOutput(raw) }),
  async handler(ctx, args) {
    if (args.length !== 1) throw catNeedsOneUnit();
    const name = mangleUnitName(args[0] as string);
    const unit = await (await ctx.registry()).getUnit(name);
    if (!unit) throw catUnitNotFound(name);
    return unit;
  },
  render: (unit, opts) => ({ stdout: opts.output === 'json' ? renderJson(unitJson(unit)) : canonicalText(unit.options) }),
});
