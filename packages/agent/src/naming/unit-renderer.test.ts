import { canonicalText, type UnitOption } from '@flotilla/core';
import { expect, test } from 'vitest';
import { renderUnit, type UnitRenderer } from './unit-renderer.js';

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
