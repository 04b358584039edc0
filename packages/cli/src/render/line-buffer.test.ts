import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { LineBuffer } from './line-buffer.js';

/** Records each write(2)-level call a stream gets, tagged with the stream's name. */
function streams() {
  const writes: string[] = [];
  const make = (name: string) => new Writable({ write: (chunk, _enc, done) => (writes.push(`${name}:${String(chunk)}`), done()) });
  return { writes, out: make('out'), err: make('err') };
}

test('lines of one turn go out in one write per run of a stream, in order', async () => {
  const { writes, out, err } = streams();
  const buffer = new LineBuffer();
  buffer.write(out, 'a\n');
  buffer.write(out, 'b\n');
  buffer.write(err, 'warn\n');
  buffer.write(out, 'c\n');
  expect(writes).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['out:a\nb\n', 'err:warn\n', 'out:c\n']);
});

test('flush writes what is queued at once, and nothing twice', async () => {
  const { writes, out } = streams();
  const buffer = new LineBuffer();
  buffer.write(out, 'a\n');
  buffer.flush();
  expect(writes).toEqual(['out:a\n']);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toEqual(['out:a\n']);
});
