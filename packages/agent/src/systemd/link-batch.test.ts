import { describe, expect, test } from 'vitest';
import { BatchedLinker } from './link-batch.js';

/** A stand-in for systemd's LinkUnitFiles that records each call and refuses files named in `bad`. */
function recorder(bad: ReadonlySet<string> = new Set()) {
  const calls: string[][] = [];
  const linkFiles = async (paths: readonly string[]): Promise<void> => {
    calls.push([...paths]);
    const refused = paths.find((p) => bad.has(p));
    if (refused !== undefined) throw new Error(`cannot link ${refused}`);
  };
  return { calls, linkFiles };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('BatchedLinker', () => {
  test('tickets taken in one turn share one call, whatever order their files come in', async () => {
    const { calls, linkFiles } = recorder();
    const linker = new BatchedLinker(linkFiles);
    const tickets = ['a', 'b', 'c'].map(() => linker.ticket());
    await tick();
    const done = [tickets[2]!.link('/u/c'), tickets[0]!.link('/u/a')];
    await tick();
    expect(calls).toEqual([]); // b has not written its file yet
    done.push(tickets[1]!.link('/u/b'));
    await Promise.all(done);
    expect(calls).toEqual([['/u/c', '/u/a', '/u/b']]);
  });

  test('a cancelled ticket is not waited for', async () => {
    const { calls, linkFiles } = recorder();
    const linker = new BatchedLinker(linkFiles);
    const [a, b] = [linker.ticket(), linker.ticket()];
    const done = a.link('/u/a');
    b.cancel();
    await done;
    expect(calls).toEqual([['/u/a']]);
  });

  test('a ticket taken in a later turn goes in the next call', async () => {
    const { calls, linkFiles } = recorder();
    const linker = new BatchedLinker(linkFiles);
    const first = linker.ticket().link('/u/a');
    await first;
    await linker.ticket().link('/u/b');
    expect(calls).toEqual([['/u/a'], ['/u/b']]);
  });

  test('one bad file fails its own link only: the batch is retried a file at a time', async () => {
    const { calls, linkFiles } = recorder(new Set(['/u/bad']));
    const linker = new BatchedLinker(linkFiles);
    const results = await Promise.allSettled(['/u/a', '/u/bad', '/u/c'].map((p) => linker.ticket()).map((t, i) => t.link(['/u/a', '/u/bad', '/u/c'][i]!)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toEqual([['/u/a', '/u/bad', '/u/c'], ['/u/a'], ['/u/bad'], ['/u/c']]);
  });
});
