import { describe, expect, test } from 'vitest';
import { UnitFileSyntaxError } from '../errors.js';
import { option } from '../testing/unit-builders.js';
import { parseUnitFile } from './parse.js';

describe('parseUnitFile', () => {
  test.each([
    { name: 'sections and options in order', text: '[Unit]\nDescription=web\n[Service]\nExecStart=/bin/web\n', want: [option('Unit', 'Description', 'web'), option('Service', 'ExecStart', '/bin/web')] },
    { name: 'comments and blank lines dropped', text: '# head\n[Unit]\n; note\n\n  # indented\nA=1\n', want: [option('Unit', 'A', '1')] },
    { name: 'whitespace trimmed around key and value', text: '[Unit]\n  Description =  two words  \n', want: [option('Unit', 'Description', 'two words')] },
    { name: 'only the first "=" splits', text: '[X-Fleet]\nMachineMetadata=a=b\n', want: [option('X-Fleet', 'MachineMetadata', 'a=b')] },
    { name: 'empty value kept', text: '[Service]\nEnvironment=\n', want: [option('Service', 'Environment', '')] },
    { name: 'continuation joined with a space', text: '[Service]\nExecStart=/bin/a \\\n  --flag\nB=2\n', want: [option('Service', 'ExecStart', '/bin/a    --flag'), option('Service', 'B', '2')] },
    { name: 'continuation at end of file', text: '[Service]\nA=x\\', want: [option('Service', 'A', 'x')] },
    { name: 'CRLF line ends', text: '[Unit]\r\nA=1\r\n', want: [option('Unit', 'A', '1')] },
    { name: 'repeated keys kept', text: '[X-Fleet]\nConflicts=a*\nConflicts=b*\n', want: [option('X-Fleet', 'Conflicts', 'a*'), option('X-Fleet', 'Conflicts', 'b*')] },
    { name: 'empty file', text: '', want: [] },
    { name: 'line of 2047 bytes', text: `[Unit]\nA=${'x'.repeat(2045)}\n`, want: [option('Unit', 'A', 'x'.repeat(2045))] },
    { name: 'Go whitespace trimmed (NEL), BOM kept', text: '[Unit]\nA=\u0085x\ufeff\n', want: [option('Unit', 'A', 'x\ufeff')] },
    { name: 'comment ending in a backslash does not swallow the next line (systemd)', text: '[Unit]\n# note \\\nA=1\n', want: [option('Unit', 'A', '1')] },
    { name: 'key with inner spaces kept', text: '[Unit]\nMy Key = v\n', want: [option('Unit', 'My Key', 'v')] },
    { name: 'section name kept verbatim', text: '[X-Fleet ]\nA=1\n', want: [option('X-Fleet ', 'A', '1')] },
  ])('$name', ({ text, want }) => {
    expect(parseUnitFile(text, 'a.service')).toEqual(want);
  });

  test.each([
    { name: 'key outside a section', text: 'A=1\n', line: 1, column: 1, message: 'a.service:1:1: assignment outside of a [Section]' },
    { name: 'indented key outside a section', text: '\n   A=1\n', line: 2, column: 4, message: 'a.service:2:4: assignment outside of a [Section]' },
    { name: 'line without "="', text: '[Unit]\n  Description\n', line: 2, column: 14, message: 'a.service:2:14: expected "=" after the key in "Description"' },
    { name: 'missing key', text: '[Unit]\n=value\n', line: 2, column: 1, message: 'a.service:2:1: missing key before "=" in "=value"' },
    { name: 'unclosed header', text: '[Unit\nA=1\n', line: 1, column: 6, message: 'a.service:1:6: section header "[Unit" is missing its closing "]"' },
    { name: 'garbage after header', text: '\n[Unit] x\n', line: 2, column: 8, message: 'a.service:2:8: garbage after section header "[Unit] x"' },
    { name: 'comment after header is garbage too (go-systemd)', text: '[Unit] # c\n', line: 1, column: 8, message: 'a.service:1:8: garbage after section header "[Unit] # c"' },
    { name: 'empty header', text: '[]\n', line: 1, column: 1, message: 'a.service:1:1: empty section name in "[]"' },
    { name: 'bracket inside header', text: '[Un[it]\n', line: 1, column: 4, message: 'a.service:1:4: invalid character "[" in section header "[Un[it]"' },
    { name: 'line of 2048 bytes (go-systemd needs room for the newline)', text: `[Unit]\n\nA=${'x'.repeat(2046)}\n`, line: 3, column: 2048, message: 'a.service:3:2048: line too long (max 2048 bytes)' },
    { name: 'long line counted in bytes', text: `[Unit]\nA=${'é'.repeat(1023)}\n`, line: 2, column: 1025, message: 'a.service:2:1025: line too long (max 2048 bytes)' },
    { name: 'error on a continued line names that line', text: '[Unit]\nA\\\nB\n', line: 3, column: 2, message: 'a.service:3:2: expected "=" after the key in "A B"' },
  ])('rejects: $name', ({ text, line, column, message }) => {
    let caught: unknown;
    try {
      parseUnitFile(text, 'a.service');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnitFileSyntaxError);
    const err = caught as UnitFileSyntaxError;
    expect({ code: err.code, file: err.file, line: err.line, column: err.column, message: err.message }).toEqual({ code: 'UNIT_FILE_SYNTAX', file: 'a.service', line, column, message });
  });

  test('default file name', () => {
    expect(() => parseUnitFile('x')).toThrow('<unit file>:1:1: assignment outside of a [Section]');
  });
});
