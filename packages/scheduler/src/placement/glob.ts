/**
 * Go `path.Match` globs, as fleet uses them for Conflicts: `*` (any run of non-`/`), `?`, `[a-z]`, `[^x]`,
 * and `\` escapes. A malformed pattern matches nothing (fleet treats the syntax error as a non-match).
 */
export function globMatches(pattern: string, name: string): boolean {
  const re = globToRegExp(pattern);
  return re !== undefined && re.test(name);
}

export function globToRegExp(pattern: string): RegExp | undefined {
  let src = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === '*') src += '[^/]*';
    else if (ch === '?') src += '[^/]';
    else if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      src += escapeRegExp(next);
    } else if (ch === '[') {
      const cls = readClass(pattern, i);
      if (cls === undefined) return undefined;
      src += cls.source;
      i = cls.end;
    } else src += escapeRegExp(ch);
  }
  return new RegExp(`^${src}$`);
}

/** Reads `[...]` starting at `start`; returns the regexp class and the index of the closing `]`. */
function readClass(pattern: string, start: number): { source: string; end: number } | undefined {
  let i = start + 1;
  let source = '[';
  if (pattern[i] === '^') {
    source += '^';
    i++;
  }
  let empty = true;
  for (; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (ch === ']' && !empty) return { source: `${source}]`, end: i };
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      source += escapeClassChar(next);
    } else if (ch === '-' && !empty && pattern[i + 1] !== ']') source += '-';
    else source += escapeClassChar(ch);
    empty = false;
  }
  return undefined;
}

function escapeRegExp(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

function escapeClassChar(ch: string): string {
  return ch.replace(/[\]\\^-]/g, '\\$&');
}
