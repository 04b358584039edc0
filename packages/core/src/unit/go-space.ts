/**
 * Go's `unicode.IsSpace`, which go-systemd (and so fleet) trims unit keys and values with. It differs from
 * JavaScript's `\s`: U+0085 (NEL) is space in Go, U+FEFF (BOM) is not. Trimming like Go keeps our canonical
 * text, and so the unit hash, equal to fleet's for the same file.
 */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const LEADING = new RegExp(`^[${GO_SPACE}]+`);
const TRAILING = new RegExp(`[${GO_SPACE}]+$`);

export function goTrimSpace(text: string): string {
  return text.replace(LEADING, '').replace(TRAILING, '');
}

/** Length of the leading Go whitespace of `text`. */
export function leadingSpace(text: string): number {
  return LEADING.exec(text)?.[0].length ?? 0;
}

export function isGoSpace(char: string): boolean {
  return char.length > 0 && LEADING.test(char);
}
