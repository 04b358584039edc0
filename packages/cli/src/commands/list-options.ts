/** `--fields`, `--full` (and fleetctl's `--l` alias), `--no-legend`, `-o table|json`, shared by the list verbs. */
import { Option, type Command, type OptionValues } from 'commander';
import { badOptionValue } from '../cli-errors.js';
import type { OutputFormat } from '../render/output-format.js';
import { parseFields, type FieldTable, type ListFormat } from '../render/list.js';

/** The step a unit listing's failure is reported in, as fleetctl's list-units and list-unit-files. */
export const LIST_UNITS_STEP = 'Error retrieving list of units from repository';

export function addListOptions(cmd: Command, defaultFields: string, withLAlias: boolean): void {
  cmd.option('--fields <keys>', 'columns to print, comma-separated', defaultFields);
  cmd.option('--full', 'do not shorten machine IDs and hashes');
  if (withLAlias) cmd.addOption(new Option('--l', 'same as --full').hideHelp());
  cmd.option('--no-legend', 'do not print the header line');
  addOutputOption(cmd);
}

export function addOutputOption(cmd: Command): void {
  cmd.option('-o, --output <format>', 'table or json', 'table');
}

export function parseOutput(raw: OptionValues): OutputFormat {
  const value = String(raw.output ?? 'table');
  if (value !== 'table' && value !== 'json') throw badOptionValue('--output', value, 'expected table or json');
  return value;
}

export function parseListOptions(raw: OptionValues, fields: FieldTable<never>): ListFormat {
  return {
    fields: parseFields(String(raw.fields ?? ''), fields),
    full: Boolean(raw.full) || Boolean(raw.l),
    noLegend: raw.legend === false,
    output: parseOutput(raw),
  };
}
