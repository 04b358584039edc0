import { describe, expect, test } from 'vitest';
import { expandCommandPrefix } from './command-prefix.js';

const spec = { commands: ['list-units', 'list-unit-files', 'list-machines', 'start', 'stop', 'status'], optionsWithValue: ['--endpoint'] };

describe('expandCommandPrefix', () => {
  test.each([
    ['unique prefix', ['list-m'], ['list-machines']],
    ['exact name kept even if also a prefix', ['list-units'], ['list-units']],
    ['ambiguous prefix left alone', ['st'], ['st']],
    ['unknown word left alone', ['nope'], ['nope']],
    ['after a global option with its value', ['--endpoint', 'list', 'star', 'x'], ['--endpoint', 'list', 'start', 'x']],
    ['after --opt=value and a flag', ['--endpoint=http://a', '--debug', 'list-unit-f'], ['--endpoint=http://a', '--debug', 'list-unit-files']],
    ['only the command word is expanded', ['start', 'sto'], ['start', 'sto']],
    ['nothing after --', ['--', 'list-m'], ['--', 'list-m']],
  ])('%s', (_name, argv, expected) => {
    expect(expandCommandPrefix(argv, spec)).toEqual(expected);
  });
});
