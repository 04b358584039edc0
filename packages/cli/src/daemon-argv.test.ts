import { expect, test } from 'vitest';
import { mayBeDaemon } from './daemon-argv.js';

test.each([
  [['agent'], true],
  [['--endpoint', 'http://e:2379', 'agent'], true],
  [['ag'], true], // a command prefix
  [['status', 'a'], true], // a unit named `a`: a false yes, harmless
  [['list-units'], false],
  [['start', 'agent.service'], false],
  [['--driver=api', 'list-machines'], false],
  [[], false],
])('%j → %s', (argv, want) => {
  expect(mayBeDaemon(argv)).toBe(want);
});
