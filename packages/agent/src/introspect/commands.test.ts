/**
 * journalLines runs journalctl with the right arguments: a prefix that prints its arguments one per line stands
 * in for the wrapper (nsenter in tests), so the real argv is what comes back as "journal lines".
 */
import { describe, expect, test } from 'vitest';
import { journalLines, type JournalOptions } from './commands.js';

const ECHO_ARGV = ['/bin/sh', '-c', 'printf "%s\\n" "$@"', 'sh'];

async function argvOf(opts: JournalOptions): Promise<string[]> {
  const out: string[] = [];
  for await (const line of journalLines(ECHO_ARGV, 'web@1.service', opts)) out.push(line);
  return out;
}

describe('journalctl argv', () => {
  test.each([
    ['defaults: short, 10 lines', {}, ['--output=short', '--lines=10']],
    ['short-iso', { output: 'short-iso' }, ['--output=short-iso', '--lines=10']],
    ['json, 3 lines', { output: 'json', lines: 3 }, ['--output=json', '--lines=3']],
    ['cat', { output: 'cat' }, ['--output=cat', '--lines=10']],
    ['verbose, followed', { output: 'verbose', follow: true }, ['--output=verbose', '--lines=10', '--follow']],
  ] as [string, JournalOptions, string[]][])('%s', async (_n, opts, middle) => {
    expect(await argvOf(opts)).toEqual(['journalctl', '--no-pager', ...middle, '--unit=web@1.service']);
  });
});
