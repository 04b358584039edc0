import { describe, expect, test } from 'vitest';
import { LiveStatus } from './live-status.js';

function capture(isTty: boolean, steps: ((s: LiveStatus) => void)[]): string {
  let out = '';
  const stream = { write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WritableStream;
  const status = new LiveStatus(stream, isTty);
  for (const step of steps) step(status);
  return out;
}

describe('LiveStatus', () => {
  test.each([
    ['TTY: rewritten in place, cleared once', true, [(s: LiveStatus) => s.show('1 waiting'), (s: LiveStatus) => s.show('0 waiting'), (s: LiveStatus) => s.clear(), (s: LiveStatus) => s.clear()], '\r\x1b[K1 waiting\r\x1b[K0 waiting\r\x1b[K'],
    ['TTY: empty text clears', true, [(s: LiveStatus) => s.show('x'), (s: LiveStatus) => s.show('')], '\r\x1b[Kx\r\x1b[K'],
    ['TTY: clear with nothing shown writes nothing', true, [(s: LiveStatus) => s.clear()], ''],
    ['not a TTY: nothing at all', false, [(s: LiveStatus) => s.show('1 waiting'), (s: LiveStatus) => s.clear()], ''],
  ])('%s', (_name, isTty, steps, expected) => {
    expect(capture(isTty, steps)).toBe(expected);
  });
});
