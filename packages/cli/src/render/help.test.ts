import { describe, expect, test } from 'vitest';
import { renderHelp, type HelpModel } from './help.js';

const root: HelpModel = {
  name: 'fleetctl',
  summary: 'Manage a cluster',
  usage: 'fleetctl [global options] <command> [command options] [arguments...]',
  version: '1.2.3',
  commands: [['start', 'Start units'], ['list-units', 'List units']],
  options: [],
  globalOptions: [['--endpoint <urls>', 'etcd endpoints'], ['-h, --help', '']],
  footer: ['Run "fleetctl help <command>" for more details on a specific command.'],
};

const command: HelpModel = {
  name: 'start',
  summary: 'Start units',
  usage: 'fleetctl start [options] [units...]',
  commands: [],
  description: 'Start units\nand wait for them',
  options: [['--no-block', 'do not wait'], ['--block-attempts <n>', 'wait at most N × 2 s']],
  globalOptions: [],
  footer: ['For help on global options run "fleetctl help"'],
};

describe('fleetctl help layout', () => {
  test.each([
    [
      'root: NAME, USAGE, VERSION, COMMANDS, GLOBAL OPTIONS, footer',
      root,
      'NAME:\n\tfleetctl - Manage a cluster\n\n' +
        'USAGE:\n\tfleetctl [global options] <command> [command options] [arguments...]\n\n' +
        'VERSION:\n\t1.2.3\n\n' +
        'COMMANDS:\n\tstart        Start units\n\tlist-units   List units\n\n' +
        'GLOBAL OPTIONS:\n\t--endpoint <urls>   etcd endpoints\n\t-h, --help\n\n' +
        'Run "fleetctl help <command>" for more details on a specific command.\n',
    ],
    [
      'command: NAME, USAGE, DESCRIPTION, OPTIONS, footer; no VERSION or empty sections',
      command,
      'NAME:\n\tstart - Start units\n\n' +
        'USAGE:\n\tfleetctl start [options] [units...]\n\n' +
        'DESCRIPTION:\n\tStart units\n\tand wait for them\n\n' +
        'OPTIONS:\n\t--no-block             do not wait\n\t--block-attempts <n>   wait at most N × 2 s\n\n' +
        'For help on global options run "fleetctl help"\n',
    ],
    [
      'no footer: ends after the last section',
      { ...command, description: undefined, options: [], footer: [] },
      'NAME:\n\tstart - Start units\n\nUSAGE:\n\tfleetctl start [options] [units...]\n',
    ],
  ] as [string, HelpModel, string][])('%s', (_n, model, expected) => {
    expect(renderHelp(model)).toBe(expected);
  });
});
