/**
 * systemd unit-file syntax → UnitOption[] (order kept). Follows systemd.syntax(7) and go-systemd's
 * deserializer as fleet used it: comments (`#`, `;`) and blank lines dropped, a trailing backslash joins the
 * next line (the backslash becomes a space), whitespace trimmed around keys and values, lines over 2048 bytes
 * rejected. Every rejection is a UnitFileSyntaxError naming `file:line`.
 */
import { UnitFileSyntaxError } from '../errors.js';
import type { UnitOption } from '../model.js';

/** go-systemd's SYSTEMD_LINE_MAX. */
export const MAX_LINE_BYTES = 2048;

interface LogicalLine {
  text: string;
  /** 1-based number of the physical line the logical line starts on. */
  lineNo: number;
}

export function parseUnitFile(text: string, fileName = '<unit file>'): UnitOption[] {
  const options: UnitOption[] = [];
  let section: string | undefined;
  for (const { text: line, lineNo } of logicalLines(text, fileName)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[')) {
      section = parseSectionHeader(trimmed, fileName, lineNo);
      continue;
    }
    if (section === undefined) {
      throw new UnitFileSyntaxError(fileName, lineNo, 'assignment outside of a [Section]');
    }
    options.push({ section, ...parseAssignment(trimmed, fileName, lineNo) });
  }
  return options;
}

/** Splits into physical lines, rejects over-long ones, and joins backslash continuations. */
function* logicalLines(text: string, fileName: string): Generator<LogicalLine> {
  const physical = text.split(/\r?\n/);
  let pending: LogicalLine | undefined;
  for (const [index, raw] of physical.entries()) {
    const lineNo = index + 1;
    if (Buffer.byteLength(raw, 'utf8') > MAX_LINE_BYTES) {
      throw new UnitFileSyntaxError(fileName, lineNo, `line too long (max ${MAX_LINE_BYTES} bytes)`);
    }
    const isComment = pending === undefined && /^\s*[#;]/.test(raw);
    const continues = !isComment && raw.endsWith('\\');
    const piece = continues ? `${raw.slice(0, -1)} ` : raw;
    const current: LogicalLine = pending ? { text: pending.text + piece, lineNo: pending.lineNo } : { text: piece, lineNo };
    if (continues) {
      pending = current;
      continue;
    }
    pending = undefined;
    yield current;
  }
  if (pending) yield pending;
}

function parseSectionHeader(trimmed: string, fileName: string, lineNo: number): string {
  const close = trimmed.indexOf(']');
  if (close === -1) throw new UnitFileSyntaxError(fileName, lineNo, `invalid section header ${JSON.stringify(trimmed)}`);
  if (close !== trimmed.length - 1) {
    throw new UnitFileSyntaxError(fileName, lineNo, `garbage after section header ${JSON.stringify(trimmed)}`);
  }
  const name = trimmed.slice(1, close);
  if (name.trim() === '' || /[[\]]/.test(name)) {
    throw new UnitFileSyntaxError(fileName, lineNo, `invalid section header ${JSON.stringify(trimmed)}`);
  }
  return name;
}

function parseAssignment(trimmed: string, fileName: string, lineNo: number): { name: string; value: string } {
  const eq = trimmed.indexOf('=');
  if (eq === -1) throw new UnitFileSyntaxError(fileName, lineNo, `expected Key=Value, got ${JSON.stringify(trimmed)}`);
  const name = trimmed.slice(0, eq).trim();
  if (name === '') throw new UnitFileSyntaxError(fileName, lineNo, `missing key before "=" in ${JSON.stringify(trimmed)}`);
  return { name, value: trimmed.slice(eq + 1).trim() };
}
