/**
 * Go `text/tabwriter` as fleetctl configures it: minwidth 0, tabwidth 8, padding 1, pad char TAB.
 * Every cell but the last of a row is followed by TABs up to the column's width, which is the widest cell in the
 * column plus the padding, rounded up to a multiple of the tab width. Widths count characters (Go counts runes).
 * Simplification: a column's width is taken over every row that has a following cell; Go splits a column into
 * blocks of consecutive such rows, which is the same thing for the rectangular tables fleetctl prints.
 */
const TAB_WIDTH = 8;
const PADDING = 1;

function cellWidth(text: string): number {
  return [...text].length;
}

function columnWidths(rows: readonly (readonly string[])[]): number[] {
  const widths: number[] = [];
  for (const row of rows) {
    for (let col = 0; col < row.length - 1; col++) {
      const w = cellWidth(row[col] ?? '') + PADDING;
      widths[col] = Math.max(widths[col] ?? 0, w);
    }
  }
  return widths.map((w) => Math.ceil(w / TAB_WIDTH) * TAB_WIDTH);
}

/** Renders rows as tabwriter would; every row ends with a newline. No rows → empty string. */
export function renderTable(rows: readonly (readonly string[])[]): string {
  const widths = columnWidths(rows);
  let out = '';
  for (const row of rows) {
    row.forEach((cell, col) => {
      out += cell;
      if (col < row.length - 1) {
        const gap = (widths[col] ?? 0) - cellWidth(cell);
        out += '\t'.repeat(Math.ceil(gap / TAB_WIDTH));
      }
    });
    out += '\n';
  }
  return out;
}
