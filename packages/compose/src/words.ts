/**
 * Word handling between the three syntaxes a service's commands pass through: compose's string form (split as a
 * POSIX shell would, without expansions, as docker compose does), the engine's `--health-cmd` (one shell command
 * line) and systemd's unit lines (`Exec=`, `Environment=`, where `%` and `$` are expanded by systemd).
 */

/** Splits `a "b c" 'd'` into words: quotes group, backslash escapes outside single quotes. */
export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else current += ch;
    } else if (ch === '\\' && i + 1 < text.length && (quote === undefined || '"\\$`\n'.includes(text[i + 1]!))) {
      current += text[++i];
      inWord = true;
    } else if (quote === '"') {
      if (ch === '"') quote = undefined;
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
  if (quote !== undefined) throw new Error(`unterminated ${quote} quote in ${JSON.stringify(text)}`);
  if (inWord) words.push(current);
  return words;
}

/** One word for a POSIX shell: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `%` is a specifier to systemd everywhere in a unit line; a literal one is written `%%`. */
export function escapeSpecifiers(text: string): string {
  return text.replace(/%/g, '%%');
}

/**
 * One word for a systemd command line (`Exec=`, appended to ExecStart by the container unit): specifiers and
 * `$VAR` escaped (the container gets the text as written), double-quoted when it has spaces or quotes.
 */
export function systemdWord(word: string): string {
  const escaped = escapeSpecifiers(word).replace(/\$/g, '$$$$');
  if (escaped !== '' && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}

/**
 * One `KEY=VALUE` pair for `[Container] Environment=` / `Label=`, which the agent splits with systemd's quoting
 * and passes on the ExecStart line (where `%` is expanded; `$` is doubled by the agent itself).
 */
export function systemdPair(pair: string): string {
  const escaped = escapeSpecifiers(pair);
  if (/^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t')}"`;
}
