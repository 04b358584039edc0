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
    { name: 'line of exactly 2048 bytes', text: `[Unit]\nA=${'x'.repeat(2046)}\n`, want: [option('Unit', 'A', 'x'.repeat(2046))] },
  ])('$name', ({ text, want }) => {
    expect(parseUnitFile(text, 'a.service')).toEqual(want);
  });

  test.each([
    { name: 'key outside a section', text: 'A=1\n', line: 1, message: 'a.service:1: assignment outside of a [Section]' },
    { name: 'line without "="', text: '[Unit]\nDescription\n', line: 2, message: 'a.service:2: expected Key=Value, got "Description"' },
    { name: 'missing key', text: '[Unit]\n=value\n', line: 2, message: 'a.service:2: missing key before "=" in "=value"' },
    { name: 'unclosed header', text: '[Unit\nA=1\n', line: 1, message: 'a.service:1: invalid section header "[Unit"' },
    { name: 'garbage after header', text: '\n[Unit] x\n', line: 2, message: 'a.service:2: garbage after section header "[Unit] x"' },
    { name: 'empty header', text: '[]\n', line: 1, message: 'a.service:1: invalid section header "[]"' },
    { name: 'line too long', text: `[Unit]\n\nA=${'x'.repeat(2047)}\n`, line: 3, message: 'a.service:3: line too long (max 2048 bytes)' },
    { name: 'error reported at the start of a continued line', text: '[Unit]\nA\\\nB\n', line: 2, message: 'a.service:2: expected Key=Value, got "A B"' },
  ])('rejects: $name', ({ text, line, message }) => {
    let caught: unknown;
    try {
      parseUnitFile(text, 'a.service');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(UnitFileSyntaxError);
    const err = caught as UnitFileSyntaxError;
    expect({ code: err.code, file: err.file, line: err.line, message: err.message }).toEqual({ code: 'UNIT_FILE_SYNTAX', file: 'a.service', line, message });
  });

  test('default file name', () => {
    expect(() => parseUnitFile('x')).toThrow('<unit file>:1: assignment outside of a [Section]');
  });
});
