import { describe, expect, test } from 'vitest';
import { parseNameservers, upstreamResolvers } from './upstream.js';

describe('parseNameservers', () => {
  test.each<[string, string, string[]]>([
    ['empty', '', []],
    ['several, in order', 'nameserver 10.0.0.2\nnameserver 1.1.1.1\n', ['10.0.0.2', '1.1.1.1']],
    ['comments and other keywords', '# x\n; y\nsearch a.b\noptions ndots:2\nnameserver 9.9.9.9 # google? no\n', ['9.9.9.9']],
    ['tabs and spaces', '  nameserver\t192.0.2.1  \n', ['192.0.2.1']],
    ['IPv6, scope dropped', 'nameserver fd00::53\nnameserver fe80::1%eth0\n', ['fd00::53', 'fe80::1']],
    ['not an address', 'nameserver dns.example\nnameserver\n', []],
    ['a commented-out line', '#nameserver 10.0.0.1\n', []],
  ])('%s', (_case, text, want) => {
    expect(parseNameservers(text)).toEqual(want);
  });
});

test('our own address is left out, so a resolv.conf pointing at the agent does not loop', () => {
  expect(upstreamResolvers('nameserver 10.0.0.5\nnameserver 10.0.0.1\n', ['10.0.0.5'])).toEqual(['10.0.0.1']);
});
