/** Every case's expectation is what systemd 252 itself put in a service's environment from the same file
 * (EnvironmentFile=, checked in an nspawn machine with systemd-run). */
import { expect, test } from 'vitest';
import { parseEnvFile } from './env-file.js';

test.each([
  { name: 'plain pairs', text: 'A=1\nB=two words\n', vars: { A: '1', B: 'two words' } },
  { name: 'comments and empty lines', text: '# c\n; c\n\n  # indented\nA=1\n', vars: { A: '1' } },
  { name: 'whitespace around key and value dropped, interior kept', text: '  A =  x  y \t\n', vars: { A: 'x  y' } },
  { name: 'a # after the value is not a comment', text: 'A=x # y\n', vars: { A: 'x # y' } },
  { name: 'empty value', text: 'A=\nB=   \n', vars: { A: '', B: '' } },
  { name: 'last duplicate wins', text: 'A=1\nA=2\n', vars: { A: '2' } },
  { name: 'double quotes: escapes \\" \\\\ \\$, other backslashes kept', text: 'A="say \\"hi\\" \\\\ \\$x \\n"\n', vars: { A: 'say "hi" \\ $x \\n' } },
  { name: 'single quotes: verbatim', text: "A='a \\ \"b\" $c'\n", vars: { A: 'a \\ "b" $c' } },
  { name: 'quoted value spanning lines', text: 'A="one\ntwo"\nB=3\n', vars: { A: 'one\ntwo', B: '3' } },
  { name: 'whitespace outside quotes dropped', text: 'A=  "x y"  \n', vars: { A: 'x y' } },
  { name: 'backslash-newline continues an unquoted value', text: 'A=one \\\ntwo\nB=3\n', vars: { A: 'one two', B: '3' } },
  { name: 'backslash keeps the next character, also a trailing space', text: 'A=a\\=b\\ \n', vars: { A: 'a=b ' } },
  { name: 'the shipped worker env', text: 'FLOTILLA_METADATA=role=worker\nFLOTILLA_NODE_FLAGS=--lite-mode --no-expose-wasm --max-semi-space-size=1\n',
    vars: { FLOTILLA_METADATA: 'role=worker', FLOTILLA_NODE_FLAGS: '--lite-mode --no-expose-wasm --max-semi-space-size=1' } },
  { name: 'no newline at the end', text: 'A=1', vars: { A: '1' } },
  { name: 'quotes inside unquoted text are kept', text: 'A=x"y"\n', vars: { A: 'x"y"' } },
  { name: 'text after a quoted part joins it, whitespace between dropped', text: "A='x' y z \n", vars: { A: 'xy z' } },
])('$name', ({ text, vars }) => {
  expect(parseEnvFile(text)).toEqual({ vars, ignored: [] });
});

test('lines without = and keys that are no variable names are ignored, with their line', () => {
  expect(parseEnvFile('A=1\njunk\nexport B=2\n1X=3\nC=4\n')).toEqual({
    vars: { A: '1', C: '4' },
    ignored: [{ line: 2, text: 'junk' }, { line: 3, text: 'export B=…' }, { line: 4, text: '1X=…' }],
  });
});

// Variable names are the user's; systemd takes these as any other (core user-keys.ts).
test('__proto__ and constructor are variables like any other', () => {
  const { vars } = parseEnvFile('__proto__=a\nconstructor=b\n');
  expect(Object.entries(vars)).toEqual([['__proto__', 'a'], ['constructor', 'b']]);
});
