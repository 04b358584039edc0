import { describe, expect, test } from 'vitest';
import { frame, splitFrames } from './tcp-framing.js';

const hex = (b: Buffer) => b.toString('hex');

describe('splitFrames', () => {
  test.each<[string, string, string[], string]>([
    ['empty', '', [], ''],
    ['one byte of a length', '00', [], '00'],
    ['a length, no body yet', '0003aa', [], '0003aa'],
    ['one whole message', '0002aabb', ['aabb'], ''],
    ['two and a half', '0001aa0002bbcc0003dd', ['aa', 'bbcc'], '0003dd'],
    ['an empty message', '0000', [''], ''],
  ])('%s', (_case, input, messages, rest) => {
    const out = splitFrames(Buffer.from(input, 'hex'));
    expect({ messages: out.messages.map(hex), rest: hex(out.rest) }).toEqual({ messages, rest });
  });

  test('frame and split are inverse', () => {
    const msgs = [Buffer.from('abc'), Buffer.alloc(300, 7)];
    expect(splitFrames(Buffer.concat(msgs.map(frame))).messages.map(hex)).toEqual(msgs.map(hex));
  });
});
