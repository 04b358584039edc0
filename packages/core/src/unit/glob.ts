/**
 * Go's `path.Match` for unit-name globs (Conflicts, Replaces, MachineOf checks): `*` any run of non-"/"
 * characters, `?` one non-"/" character, `[...]` classes with `^` negation and ranges, `\` escapes.
 * A malformed pattern matches nothing, as fleet treats glob syntax errors as non-matches.
 */

const compiled = new Map<string, RegExp | null>();

export function matchUnitGlob(pattern: string, name: string): boolean {
  let regex = compiled.get(pattern);
  if (regex === undefined) {
    regex = globToRegExp(pattern);
    compiled.set(pattern, regex);
  }
  return regex !== null && regex.test(name);
}

/** null when the pattern is malformed (Go's ErrBadPattern). */
export function globToRegExp(pattern: string): RegExp | null {
  let source = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i] as string;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '\\') {
      const next = chars[++i];
      if (next === undefined) return null;
      source += escapeRegExp(next);
    } else if (char === '[') {
      const cls = parseClass(chars, i + 1);
      if (cls === null) return null;
      source += cls.source;
      i = cls.end;
    } else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'u');
}

/** Parses a class starting after "["; returns its regex source and the index of the closing "]". */
function parseClass(chars: string[], start: number): { source: string; end: number } | null {
  let i = start;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i++;
  }
  const ranges: string[] = [];
  while (true) {
    if (chars[i] === ']' && ranges.length > 0) break;
    const lo = classChar(chars, i);
    if (lo === null) return null;
    i = lo.next;
    let hi = lo;
    if (chars[i] === '-') {
      const upper = classChar(chars, i + 1);
      if (upper === null || upper.char < lo.char) return null;
      hi = upper;
      i = upper.next;
    }
    ranges.push(`${escapeClassChar(lo.char)}-${escapeClassChar(hi.char)}`);
  }
  return { source: `[${negated ? '^' : ''}${ranges.join('')}]`, end: i };
}

function classChar(chars: string[], i: number): { char: string; next: number } | null {
  const char = chars[i];
  if (char === undefined || char === '-' || char === ']') return null;
  if (char !== '\\') return { char, next: i + 1 };
  const escaped = chars[i + 1];
  return escaped === undefined ? null : { char: escaped, next: i + 2 };
}

function escapeRegExp(char: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(char) ? `\\${char}` : char;
}

function escapeClassChar(char: string): string {
  return /[\\^\]\[-]/.test(char) ? `\\${char}` : char;
}
