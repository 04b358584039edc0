/** The help layout on the real program: `help`, `--help` and no arguments agree, per-command help keeps examples. */
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { buildProgram, programFor, type Runtime } from './program.js';

/** Runs the program in-process as main.ts does (only the command a line runs is loaded) and returns what it
 * printed (help exits through commander's exitOverride); with `all`, on the program with every command. */
async function helpText(argv: string[], env: NodeJS.ProcessEnv = {}, all = false): Promise<string> {
  let out = '';
  const stdout = new PassThrough().on('data', (d: Buffer) => (out += d.toString()));
  const rt: Runtime = { env, cwd: '/', stdout, stderr: stdout, version: '7.7.7', exitCode: 0 };
  const lazy = await programFor(rt, argv);
  const { program, argv: expanded } = all ? { program: await buildProgram(rt), argv: lazy.argv } : lazy;
  if (argv.length === 0) program.outputHelp();
  else await program.parseAsync(expanded, { from: 'user' }).catch(() => undefined);
  return out;
}

const sections = (text: string) => text.split('\n').filter((l) => /^[A-Z][A-Z ]+:$/.test(l));

describe('help in fleetctl layout', () => {
  test.each([['journal', '--help'], ['list-m', '--help'], ['compose', 'up', '--help'], ['pki', 'init', '--help'], ['help', 'start']])(
    '%s %s: the same help with only that command loaded as with all of them', async (...argv) => {
      const alone = await helpText(argv);
      expect(alone).toContain('USAGE:');
      expect(alone).toBe(await helpText(argv, {}, true));
    },
  );

  test('`help`, `--help` and no arguments print the same root help', async () => {
    const none = await helpText([]);
    expect(await helpText(['help'])).toBe(none);
    expect(await helpText(['--help'])).toBe(none);
    expect(sections(none)).toEqual(['NAME:', 'USAGE:', 'VERSION:', 'COMMANDS:', 'GLOBAL OPTIONS:']);
    expect(none.split('\n').slice(0, 8)).toEqual([
      'NAME:', '\tflotilla - Manage a Flotilla cluster (a fleetctl-compatible CLI)', '',
      'USAGE:', '\tflotilla [global options] <command> [command options] [arguments...]', '',
      'VERSION:', '\t7.7.7',
    ]);
  });

  test('under the fleetctl name', async () => {
    const text = await helpText([], { FLOTILLA_PROG_NAME: 'fleetctl' });
    expect(text.split('\n')[1]).toBe('\tfleetctl - Manage a Flotilla cluster (a fleetctl-compatible CLI)');
    expect(text.trimEnd().split('\n').at(-1)).toBe('Run "fleetctl help <command>" for more details on a specific command.');
  });

  test.each([
    ['journal', ['NAME:', 'USAGE:', 'DESCRIPTION:', 'OPTIONS:'], '\tflotilla journal [options] [unit...]', '  flotilla journal --output json web@1 | jq .MESSAGE'],
    ['start', ['NAME:', 'USAGE:', 'DESCRIPTION:', 'OPTIONS:'], '\tflotilla start [options] [units...]', '  flotilla start --block-timeout 30 units/hello.service'],
  ])('`help %s` = `--help`: sections, usage, examples last', async (name, expectedSections, usage, lastExample) => {
    const text = await helpText(['help', name]);
    expect(await helpText([name, '--help'])).toBe(text);
    expect(sections(text)).toEqual(expectedSections);
    expect(text.split('\n')[4]).toBe(usage);
    expect(text).toContain('\nFor help on global options run "flotilla help"\n\nExamples:\n');
    expect(text.trimEnd().split('\n').at(-1)).toBe(lastExample);
  });
});
