import { describe, expect, test } from 'vitest';
import { renderTable } from './table.js';

// Expected outputs follow Go's text/tabwriter with fleetctl's settings (minwidth 0, tabwidth 8, padding 1, '\t').
describe('renderTable', () => {
  test.each([
    { name: 'no rows', rows: [], want: '' },
    { name: 'single column has no padding', rows: [['UNIT'], ['a.service']], want: 'UNIT\na.service\n' },
    {
      name: 'short cells pad with one tab',
      rows: [['UNIT', 'ACTIVE'], ['a', 'active']],
      want: 'UNIT\tACTIVE\na\tactive\n',
    },
    {
      name: 'cell of exactly 7 chars still fits one tab stop',
      rows: [['MACHINE', 'IP'], ['x', '-']],
      want: 'MACHINE\tIP\nx\t-\n',
    },
    {
      name: 'cell of 8 chars pushes the column to 16',
      rows: [['METADATA', 'X'], ['a', 'b']],
      want: 'METADATA\tX\na\t\tb\n',
    },
    {
      name: 'wide first column, narrow second',
      rows: [
        ['UNIT', 'MACHINE', 'ACTIVE', 'SUB'],
        ['hello.service', '113f16a7.../172.17.8.103', 'active', 'running'],
      ],
      want: 'UNIT\t\tMACHINE\t\t\t\tACTIVE\tSUB\nhello.service\t113f16a7.../172.17.8.103\tactive\trunning\n',
    },
    { name: 'empty cells are padded too', rows: [['A', 'B'], ['', 'x']], want: 'A\tB\n\tx\n' },
    { name: 'multi-byte characters count once', rows: [['ÄÖÜÄÖÜÄ', 'x'], ['a', 'b']], want: 'ÄÖÜÄÖÜÄ\tx\na\tb\n' },
  ])('$name', ({ rows, want }) => {
    expect(renderTable(rows)).toBe(want);
  });
});
