/**
 * systemd unit-file syntax → UnitOption[] (order kept), as go-systemd's deserializer read it for fleet:
 * comments (`#`, `;` first on a line) and blank lines dropped, a trailing backslash joins the next line (the
 * backslash becomes a space), keys and values trimmed with Go's `strings.TrimSpace` (so hashes match
 * fleet's), lines of 2048 bytes or more rejected. Deliberate differences, all towards systemd: a comment
 * never continues onto the next line, a section header must close on its own line, `[]` is rejected.
 * Every rejection is a UnitFileSyntaxError naming `file:line:column`.
 */
import { UnitFileSyntaxError } from '../errors.js';
import type { UnitOption } from '../model.js';
import { goTrimSpace, leadingSpace } from './go-space.js';

/** go-systemd's SYSTEMD_LINE_MAX: a line and its newline must fit in it. */
export const MAX_LINE_BYTES = 2048;

/** A logical line: physical lines joined at trailing backslashes, with where each piece came from. */
interface LogicalLine {
  text: string;
  /** Offsets in `text` where each physical line starts, and that line's number. */
  pieces: { offset: number; lineNo: number }[];
}

export function parseUnitFile(text: string, fileName = '<unit file>'): UnitOption[] {
  return parseUnitFileWithPositions(text, fileName).options;
}

/** Where an option's key starts in the file (1-based). */
export interface OptionPosition {
  line: number;
  column: number;
}

/** parseUnitFile, plus the position of each option (same index), for errors that name the offending line. */
export function parseUnitFileWithPositions(text: string, fileName = '<unit file>'): { options: UnitOption[]; positions: OptionPosition[] } {
  const options: UnitOption[] = [];
  const positions: OptionPosition[] = [];
  let section: string | undefined;
  for (const line of logicalLines(text, fileName)) {
    const start = leadingSpace(line.text);
    const body = goTrimSpace(line.text);
    const fail = (offset: number, reason: string): never => {
      const at = position(line, offset);
      throw new UnitFileSyntaxError(fileName, at.lineNo, reason, at.column);
    };
    if (body === '' || body.startsWith('#') || body.startsWith(';')) continue;
    if (body.startsWith('[')) {
      section = parseSectionHeader(body, start, fail);
      continue;
    }
    if (section === undefined) fail(start, 'assignment outside of a [Section]');
    options.push({ section: section as string, ...parseAssignment(body, start, fail) });
    const at = position(line, start);
    positions.push({ line: at.lineNo, column: at.column });
  }
  return { options, positions };
}

type Fail = (offset: number, reason: string) => never;

/** Splits into physical lines, rejects over-long ones, and joins backslash continuations. */
function* logicalLines(text: string, fileName: string): Generator<LogicalLine> {
  const physical = text.split(/\r?\n/);
  let pending: LogicalLine | undefined;
  for (const [index, raw] of physical.entries()) {
    const lineNo = index + 1;
    checkLength(raw, lineNo, fileName);
    const isComment = pending === undefined && /^[#;]/.test(raw.slice(leadingSpace(raw)));
    const continues = !isComment && raw.endsWith('\\');
    const piece = continues ? `${raw.slice(0, -1)} ` : raw;
    const current: LogicalLine = pending
      ? { text: pending.text + piece, pieces: [...pending.pieces, { offset: pending.text.length, lineNo }] }
      : { text: piece, pieces: [{ offset: 0, lineNo }] };
    if (continues) {
      pending = current;
      continue;
    }
    pending = undefined;
    yield current;
  }
  if (pending) yield pending;
}

function checkLength(raw: string, lineNo: number, fileName: string): void {
  if (raw.length < MAX_LINE_BYTES / 4 || Buffer.byteLength(raw, 'utf8') < MAX_LINE_BYTES) return;
  let bytes = 0;
  let column = 0;
  for (const char of raw) {
    bytes += Buffer.byteLength(char, 'utf8');
    column += char.length;
    if (bytes >= MAX_LINE_BYTES) break;
  }
  throw new UnitFileSyntaxError(fileName, lineNo, `line too long (max ${MAX_LINE_BYTES} bytes)`, column);
}

/** 1-based line and column (in UTF-16 code units of that physical line) of `offset` in the logical line. */
function position(line: LogicalLine, offset: number): { lineNo: number; column: number } {
  let piece = line.pieces[0] as { offset: number; lineNo: number };
  for (const candidate of line.pieces) if (candidate.offset <= offset) piece = candidate;
  return { lineNo: piece.lineNo, column: offset - piece.offset + 1 };
}

function parseSectionHeader(body: string, start: number, fail: Fail): string {
  const close = body.indexOf(']');
  if (close === -1) fail(start + body.length, `section header ${JSON.stringify(body)} is missing its closing "]"`);
  if (close !== body.length - 1) fail(start + close + 1 + leadingSpace(body.slice(close + 1)), `garbage after section header ${JSON.stringify(body)}`);
  const name = body.slice(1, close);
  if (goTrimSpace(name) === '') fail(start, `empty section name in ${JSON.stringify(body)}`);
  const bracket = name.search(/[[\]]/);
  if (bracket !== -1) fail(start + 1 + bracket, `invalid character ${JSON.stringify(name[bracket])} in section header ${JSON.stringify(body)}`);
  return name;
}

function parseAssignment(body: string, start: number, fail: Fail): { name: string; value: string } {
  const eq = body.indexOf('=');
  if (eq === -1) fail(start + body.length, `expected "=" after the key in ${JSON.stringify(body)}`);
  const name = goTrimSpace(body.slice(0, eq));
  if (name === '') fail(start, `missing key before "=" in ${JSON.stringify(body)}`);
  return { name, value: goTrimSpace(body.slice(eq + 1)) };
}
