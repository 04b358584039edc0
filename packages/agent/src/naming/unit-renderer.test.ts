import { canonicalText, newUnitNameProblem, RUNNABLE_UNIT_TYPES, UNIT_TYPES, type UnitOption } from '@flotilla/core';
import { expect, test } from 'vitest';
import { containerRenderer } from '../containers/render.js';
import { renderUnit, systemdNameOf, type UnitRenderer } from './unit-renderer.js';

const options: UnitOption[] = [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }];
const container: UnitRenderer = {
  suffix: '.container',
  systemdName: (n) => n.replace(/\.container$/, '.service'),
  render: (n, opts) => `# ${n}\n${canonicalText(opts)}`,
};
const broken: UnitRenderer = { suffix: '.pod', systemdName: (n) => n, render: () => '' };

test.each([
  { name: '1 plain service: own name, canonical text', unit: 'a.service', want: { systemdName: 'a.service', text: canonicalText(options) } },
  { name: '2 container instance: rendered, runs as .service', unit: 'web@1.container', want: { systemdName: 'web@1.service', text: `# web@1.container\n${canonicalText(options)}` } },
  { name: '3 unknown type, no renderer: not runnable', unit: 'x.container2', want: undefined },
  { name: '4 renderer mapping to an unmanaged type: not runnable', unit: 'p.pod', want: undefined },
  { name: '5 .target is not a type the agent manages', unit: 'multi.target', want: undefined },
])('renderUnit case $name', ({ unit, want }) => {
  expect(renderUnit([container, broken], unit, options)).toEqual(want);
});

// core refuses a new unit the agent would not run (docs/fleetctl-compat.md, "Unit names"): the two lists must agree.
test('a unit type core accepts for a new unit is exactly one the agent runs (with the containers renderer)', () => {
  const renderers = [containerRenderer({ machineId: 'm1', unitsDir: '/run/flotilla/units', prepareCommand: ['prepare'] })];
  const runs = UNIT_TYPES.filter((type) => systemdNameOf(renderers, `x.${type}`) !== undefined);
  expect(runs).toEqual(UNIT_TYPES.filter((type) => newUnitNameProblem(`x.${type}`) === undefined));
  expect([...runs].sort()).toEqual([...RUNNABLE_UNIT_TYPES].sort());
});
