/** `--fields`, `--full` (and fleetctl's `--l` alias), `--no-legend`, shared by the list verbs. */
import { Option, type Command, type OptionValues } from 'commander';
import { parseFields, type FieldTable, type ListFormat } from '../render/list.js';

export function addListOptions(cmd: Command, defaultFields: string, withLAlias: boolean): void {
  cmd.option('--fields <keys>', 'columns to print, comma-separated', defaultFields);
  cmd.option('--full', 'do not shorten machine IDs and hashes');
  if (withLAlias) cmd.addOption(new Option('--l', 'same as --full').hideHelp());
  cmd.option('--no-legend', 'do not print the header line');
}

export function parseListOptions(raw: OptionValues, fields: FieldTable<never>): ListFormat {
  return {
    fields: parseFields(String(raw.fields ?? ''), fields),
    full: Boolean(raw.full) || Boolean(raw.l),
    noLegend: raw.legend === false,
  };
}
