/**
 * fleetctl's list output: `--fields` picks columns by key, the header is the keys upper-cased, `--no-legend`
 * drops it, `--full` widens IDs and hashes. Each list verb supplies its field table.
 */
import { outputFormatInvalidKey, outputFormatMissing } from '../cli-errors.js';
import { renderJson, type OutputFormat } from './output-format.js';
import { renderTable } from './table.js';

export type FieldGetter<Row> = (row: Row, full: boolean) => string;
export type FieldTable<Row> = Readonly<Record<string, FieldGetter<Row>>>;

export interface ListFormat {
  fields: string[];
  full: boolean;
  noLegend: boolean;
  /** `-o json`: one JSON array instead of the table (fields, full and legend then do not apply). */
  output?: OutputFormat;
}

/** Splits and checks `--fields` against the known keys (fleetctl's messages). */
export function parseFields(spec: string, known: FieldTable<never>): string[] {
  if (spec === '') throw outputFormatMissing();
  const fields = spec.split(',');
  for (const key of fields) {
    if (!Object.hasOwn(known, key)) throw outputFormatInvalidKey(key, Object.keys(known));
  }
  return fields;
}

export function renderList<Row>(rows: readonly Row[], table: FieldTable<Row>, format: ListFormat, json?: (row: Row) => unknown): string {
  if (format.output === 'json' && json) return renderJson(rows.map(json));
  const lines: string[][] = [];
  if (!format.noLegend) lines.push(format.fields.map((f) => f.toUpperCase()));
  for (const row of rows) {
    lines.push(format.fields.map((f) => (table[f] as FieldGetter<Row>)(row, format.full)));
  }
  return renderTable(lines);
}

/** `113f16a7...` or the full ID, plus `/<ip>` when the IP is known. */
export function machineLegend(id: string, ip: string | undefined, full: boolean): string {
  const legend = full ? id : `${id.slice(0, 8)}...`;
  return ip ? `${legend}/${ip}` : legend;
}

export function shortHash(hash: string, full: boolean): string {
  if (hash === '') return '-';
  return full ? hash : hash.slice(0, 7);
}

export function orDash(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : value;
}
