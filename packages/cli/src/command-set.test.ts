/** The command list main.ts starts from: in step with the modules that define the commands, one loaded alone. */
import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { COMMAND_NAMES, loadCommands } from './command-set.js';
import { commandWord } from './command-prefix.js';
import { buildProgram, type Runtime } from './program.js';

const rt = (): Runtime => ({ env: {}, cwd: '/', stdout: new PassThrough(), stderr: new PassThrough(), version: 't', exitCode: 0 });

test('every command of the full program is listed, in help order, under the name its module gives it', async () => {
  expect((await buildProgram(rt())).commands.map((c) => c.name())).toEqual(COMMAND_NAMES);
});

test.each(COMMAND_NAMES.filter((n) => n !== 'completion'))('%s loads alone', async (name) => {
  const program = await buildProgram(rt(), name);
  expect(program.commands.map((c) => c.name())).toEqual([name]);
  expect(program.options.map((o) => o.long)).toEqual((await buildProgram(rt())).options.map((o) => o.long));
});

test('completion loads every command (it prints them all)', async () => {
  expect((await loadCommands('completion')).length).toBe(COMMAND_NAMES.length);
});

test('commandWord skips options and global options\' values', () => {
  const spec = { commands: COMMAND_NAMES, optionsWithValue: ['--endpoint'] };
  expect(commandWord(['--endpoint', 'list-units', 'start', 'x'], spec)).toBe('start');
  expect(commandWord(['--endpoint=http://e', '--debug', 'list-units'], spec)).toBe('list-units');
  expect(commandWord(['--debug', '--', 'list-units'], spec)).toBeUndefined();
  expect(commandWord([], spec)).toBeUndefined();
});
