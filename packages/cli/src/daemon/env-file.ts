/**
 * An environment file read the way systemd reads `EnvironmentFile=` (systemd.exec(5)), so a reload sees what the
 * next start of flotilla-agent.service would: KEY=VALUE lines; empty lines, lines starting with `#` or `;` and
 * lines without `=` ignored; whitespace around key and value dropped; an unquoted value keeps interior spaces and
 * takes backslash escapes (a trailing backslash continues the line) and keeps quotes after its first character;
 * '…' is verbatim; "…" takes \" \\ \` \$ and a backslash-newline, and keeps any other backslash. Quoted parts
 * may span lines. Checked case by case against systemd 252's own reading (env-file.test.ts). Pure.
 */
import { keyedRecord } from '@flotilla/core';

export interface EnvFile {
  vars: Record<string, string>;
  /** Lines systemd would ignore with a warning (no `=`, or a key that is not a variable name), 1-based. */
  ignored: { line: number; text: string }[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const WHITESPACE = ' \t\r';

export function parseEnvFile(text: string): EnvFile {
  const vars = keyedRecord<string>(); // any variable name is a key, `__proto__` too (core user-keys.ts)
  const ignored: EnvFile['ignored'] = [];
  let i = 0;
  let line = 1;
  const at = () => text[i];
  const next = () => {
    const c = text[i++];
    if (c === '\n') line++;
    return c;
  };
  while (i < text.length) {
    while (i < text.length && (WHITESPACE.includes(at()!) || at() === '\n')) next();
    if (i >= text.length) break;
    const start = line;
    if (at() === '#' || at() === ';') {
      while (i < text.length && at() !== '\n') next();
      continue;
    }
    let key = '';
    while (i < text.length && at() !== '=' && at() !== '\n') key += next();
    if (at() !== '=') {
      ignored.push({ line: start, text: key.trim() });
      continue;
    }
    next(); // '='
    const value = readValue();
    key = key.replace(/[ \t\r]+$/, '');
    if (NAME.test(key)) vars[key] = value;
    else ignored.push({ line: start, text: `${key}=…` });
  }
  return { vars, ignored };

  function readValue(): string {
    let value = '';
    // Whitespace is skipped before the value and after a quoted part (systemd's PRE_VALUE); unquoted trailing
    // whitespace is dropped unless a backslash kept it (`kept`: the length of value that must stay).
    let preValue = true;
    let kept = 0;
    while (i < text.length && at() !== '\n') {
      const c = next()!;
      if (preValue && WHITESPACE.includes(c)) continue;
      // A quote opens a quoted part only where a value (or part) starts; inside unquoted text it is kept.
      const quote: boolean = preValue && (c === "'" || c === '"');
      preValue = quote;
      if (quote && c === "'") {
        while (i < text.length && at() !== "'") value += next();
        next();
      } else if (quote) {
        while (i < text.length && at() !== '"') {
          const d = next()!;
          if (d !== '\\') value += d;
          else if (at() === '\n') next();
          else if (at() !== undefined && '"\\`$'.includes(at()!)) value += next();
          else value += d;
        }
        next();
      } else if (c === '\\') {
        if (at() === '\n') next();
        else if (i < text.length) value += next();
      } else {
        value += c;
        if (WHITESPACE.includes(c)) continue;
      }
      kept = value.length;
    }
    return value.slice(0, kept);
  }
}
