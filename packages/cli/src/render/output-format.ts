/**
 * The read commands' two output formats (`-o table|json`) and the JSON writer: one JSON document per command,
 * pretty-printed, newline-terminated. Pure; the row shapes are json.ts's, apart so the list renderers can use
 * this without importing every row type.
 */
export type OutputFormat = 'table' | 'json';

export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
