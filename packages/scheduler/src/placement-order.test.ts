import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { UnitRecord } from '@flotilla/core';
import { placementOrder } from './placement-order.js';
import { requirementsOf } from './placement/requirements.js';
import { unit } from './test-support/builders.js';

/** The order by its definition: every unit visited depth-first in name order, its MachineOf peers before it. */
function referenceOrder(units: readonly UnitRecord[]): string[] {
  const sorted = [...units].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const byName = new Map(sorted.map((u) => [u.name, u]));
  const order: string[] = [];
  const state = new Set<string>();
  const visit = (u: UnitRecord): void => {
    if (state.has(u.name)) return;
    state.add(u.name);
    for (const peer of requirementsOf(u).machineOf) {
      const other = byName.get(peer);
      if (other) visit(other);
    }
    order.push(u.name);
  };
  for (const u of sorted) visit(u);
  return order;
}

const names = (units: readonly UnitRecord[]) => units.map((u) => u.name);

describe('placementOrder', () => {
  test.each([
    { name: 'no peers: name order', units: [unit('c.service'), unit('a.service'), unit('b.service')], want: ['a.service', 'b.service', 'c.service'] },
    {
      name: 'a chain: peers first, the rest in name order around it',
      units: [unit('a.service').machineOf('c.service'), unit('b.service'), unit('c.service').machineOf('d.service'), unit('d.service'), unit('e.service')],
      want: ['d.service', 'c.service', 'a.service', 'b.service', 'e.service'],
    },
    { name: 'a peer that names no unit: name order', units: [unit('b.service').machineOf('x.service'), unit('a.service')], want: ['a.service', 'b.service'] },
    {
      name: 'a cycle keeps name order',
      units: [unit('b.service').machineOf('a.service'), unit('a.service').machineOf('b.service'), unit('c.service')],
      want: ['b.service', 'a.service', 'c.service'],
    },
  ])('$name', ({ units, want }) => {
    expect(names(placementOrder(units.map((u) => u.build())))).toEqual(want);
  });

  test('the same order as visiting every unit, for any units and peers', () => {
    const pool = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((n) => `${n}.service`);
    const arbUnits = fc.uniqueArray(fc.record({ name: fc.constantFrom(...pool), peers: fc.array(fc.constantFrom(...pool, 'gone.service'), { maxLength: 2 }) }), {
      selector: (u) => u.name,
      maxLength: pool.length,
    });
    fc.assert(
      fc.property(arbUnits, (specs) => {
        const units = specs.map((s) => s.peers.reduce((b, p) => b.machineOf(p), unit(s.name)).build());
        expect(names(placementOrder(units))).toEqual(referenceOrder(units));
      }),
      { numRuns: 500 },
    );
  });
});
