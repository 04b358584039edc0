/**
 * systemd's word syntax, the two directions a container unit needs: splitting a value such as
 * `Environment=A=1 "B=two words"` into words (systemd's extract_first_word with quotes and C escapes), and
 * quoting one argument so that an `ExecStart=` line hands it to the engine unchanged.
 */

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'", ' ': ' ' };

/** Words of a value; quotes group, backslash escapes. Throws on an unterminated quote. */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[++i]!;
      current += SIMPLE_ESCAPES[next] ?? next;
      inWord = true;
    } else if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote !== undefined) throw new Error(`unterminated ${quote} quote in ${JSON.stringify(value)}`);
  if (inWord) words.push(current);
  return words;
}

const NEEDS_NO_QUOTES = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argument for an `ExecStart=` line: left bare when safe, else double-quoted with `\` and `"` escaped and
 * `$` doubled (systemd would expand `$VAR`). `%` is left alone on purpose: unit specifiers (`%i`, `%N`) are
 * expanded by systemd, as Quadlet does.
 */
export function quoteArg(arg: string): string {
  if (NEEDS_NO_QUOTES.test(arg)) return arg;
  const escaped = arg
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\$/g, '$$$$');
  return `"${escaped}"`;
}

/** A whole command line for `ExecStart=` and friends. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}
