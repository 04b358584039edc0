import { expect, test } from 'vitest';
import { readmeCommands } from './readme-examples.js';

test('sh blocks only, comments dropped, each command with its section and line', () => {
  const markdown = [
    '# Title',
    '## Run',
    '```sh',
    'npm run up      # boots it',
    '',
    '# a comment line',
    'bin/flotilla list-units',
    '```',
    '```ini',
    '[Service]',
    '## not a heading inside a block',
    '```',
    '### Containers',
    '```sh',
    'bin/flotilla start units/web@1.container   # runs already',
    '```',
    'bin/flotilla outside a block',
  ].join('\n');
  expect(readmeCommands(markdown)).toEqual([
    { command: 'npm run up', section: 'Run', line: 4 },
    { command: 'bin/flotilla list-units', section: 'Run', line: 7 },
    { command: 'bin/flotilla start units/web@1.container', section: 'Containers', line: 15 },
  ]);
});
