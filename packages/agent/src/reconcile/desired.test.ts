import { canonicalText, makeUnitRecord, type Assignment, type UnitOption, type UnitRecord } from '@flotilla/core';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { buildDesired, UnitTextCache } from './desired.js';

// docs/deployments.md "Global units": a machine runs the version its assignment pins.
describe('buildDesired: a global unit being deployed', () => {
  const opts = (v: string): UnitOption[] => [{ section: 'Service', name: 'ExecStart', value: `/bin/sleep ${v}` }, { section: 'X-Fleet', name: 'Global', value: 'true' }];
  const v1 = makeUnitRecord({ name: 'g.service', options: opts('1') }, 'launched');
  const v2: UnitRecord = { ...makeUnitRecord({ name: 'g.service', options: opts('2') }, 'launched'), pinned: { [v1.hash]: v1.options } };
  const assigned = (hash: string) => new Map<string, Assignment>([['g.service', { unit: 'g.service', machineId: 'm1', hash, desiredState: 'launched' }]]);
  const desired = async (unit: UnitRecord, hash: string, cache = new UnitTextCache()) =>
    (await buildDesired(assigned(hash), { registry: { getUnits: async (names) => names.map(() => unit) }, cache, renderers: [], logger: pino({ level: 'silent' }) })).desired.get('g.service');

  test.each([
    ['an assignment pinned to the old version runs the old text', v2, v1.hash, opts('1')],
    ['an assignment moved to the record\'s version runs the new text', v2, v2.hash, opts('2')],
    ['a lagging assignment with no pin runs the record\'s text (start --replace)', makeUnitRecord({ name: 'g.service', options: opts('2') }, 'launched'), v1.hash, opts('2')],
  ])('%s', async (_n, unit, hash, want) => {
    expect((await desired(unit, hash))?.text).toBe(canonicalText(want));
  });

  test('the pinned text is cached under the pinned hash: a later record change does not move this machine', async () => {
    const cache = new UnitTextCache();
    await desired(v2, v1.hash, cache);
    const v3: UnitRecord = { ...makeUnitRecord({ name: 'g.service', options: opts('3') }, 'launched') };
    expect((await desired(v3, v1.hash, cache))?.text).toBe(canonicalText(opts('1')));
  });
});
