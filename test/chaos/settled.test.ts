import { parseFleetRequirements, parseUnitFile } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { settledProblems, type SettledInput } from './settled.js';
import { BASE_UNITS as LAUNCHED, slotMetadata, systemdName, unitRules } from './units.js';

const MACHINES = ['m1', 'm2', 'm3', 'm4'].map((name, slot) => ({ name, metadata: slotMetadata(slot) })); // m1, m3: disk=ssd; m2, m3: engine=docker
const BASE_UNITS = LAUNCHED.map(systemdName);

/** The base units spread out and settled: each active once, the global one on every machine. */
function settledView(): Record<string, string[]> {
  return {
    'plain-1.service': ['m1'], 'plain-2.service': ['m2'], 'plain-3.service': ['m3'], 'plain-4.service': ['m4'], 'plain-5.service': ['m1'],
    'conf@1.service': ['m1'], 'conf@2.service': ['m2'], 'conf@3.service': ['m3'],
    'pair-a.service': ['m4'], 'pair-b.service': ['m4'], 'meta.service': ['m3'], 'solo.service': ['m2'],
    'glob.service': ['m1', 'm2', 'm3', 'm4'], 'box.service': ['m2'],
  };
}

/** The settled view changed by `edit` (unit → machines; [] removes the unit), everything it lists active. */
function input(edit: Record<string, string[]> = {}, over: Partial<SettledInput> = {}): SettledInput {
  const view = new Map(Object.entries({ ...settledView(), ...edit }).filter(([, on]) => on.length > 0));
  return {
    machines: MACHINES,
    answered: MACHINES.map((m) => m.name),
    activeOn: view,
    running: view,
    expected: new Set(BASE_UNITS),
    mayRun: (unit) => BASE_UNITS.includes(unit),
    rules: unitRules([...LAUNCHED, 'burst-1.service']),
    ...over,
  };
}

describe('settledProblems', () => {
  test('the settled base units: nothing to report', () => {
    expect(settledProblems(input())).toEqual([]);
  });

  test.each<{ name: string; edit: Record<string, string[]>; want: unknown[] }>([
    { name: 'a launched unit active nowhere', edit: { 'plain-3.service': [] }, want: [{ kind: 'unit-lost', text: 'plain-3.service is launched but active nowhere' }] },
    { name: 'a unit on two machines', edit: { 'plain-3.service': ['m3', 'm4'] }, want: [{ kind: 'double-run', text: 'plain-3.service runs on m3, m4' }] },
    {
      name: 'two conflicting instances on one machine',
      edit: { 'conf@3.service': ['m1'] },
      want: [{ kind: 'rule', text: 'conf@1.service and conf@3.service (Conflicts) are both active on m1' }],
    },
    { name: 'a follower away from its peer', edit: { 'pair-b.service': ['m2'] }, want: [{ kind: 'rule', text: 'pair-b.service (MachineOf=pair-a.service) is active on m2 without its peer' }] },
    { name: 'a metadata unit on a machine that does not match', edit: { 'meta.service': ['m2'] }, want: [{ kind: 'rule', text: 'meta.service (MachineMetadata) is active on m2, which does not match' }] },
    { name: 'the container unit on a machine without a dockerd', edit: { 'box.service': ['m4'] }, want: [{ kind: 'rule', text: 'box.service (MachineMetadata) is active on m4, which does not match' }] },
    { name: 'the global unit missing on a machine', edit: { 'glob.service': ['m1', 'm2', 'm4'] }, want: [{ kind: 'rule', text: 'global glob.service is not active on m3' }] },
    {
      name: 'a burst unit never launched runs',
      edit: { 'burst-1.service': ['m2'] },
      want: [{ kind: 'leftover', text: 'burst-1.service runs on m2 but was never launched or was destroyed' }],
    },
  ])('$name', ({ edit, want }) => {
    expect(settledProblems(input(edit))).toEqual(want);
  });

  test('a unit that is only activating counts as running, not as active', () => {
    const view = input();
    const running = new Map(view.running);
    running.set('plain-3.service', ['m4']);
    const activeOn = new Map(view.activeOn);
    activeOn.delete('plain-3.service');
    expect(settledProblems({ ...view, running, activeOn })).toEqual([{ kind: 'unit-lost', text: 'plain-3.service is launched but active nowhere (m4: not active)' }]);
  });

  test('a machine that did not answer cannot be judged', () => {
    expect(settledProblems(input({}, { answered: ['m1', 'm2', 'm4'] }))).toEqual([{ kind: 'unanswered', text: "m3's systemd did not answer" }]);
  });

  test('a global unit with metadata: on every matching machine and nowhere else', () => {
    const rules = new Map(input().rules);
    rules.set('glob.service', parseFleetRequirements('glob.service', parseUnitFile('[Service]\nExecStart=/bin/true\n[X-Fleet]\nGlobal=true\nMachineMetadata=disk=ssd\n')));
    expect(settledProblems(input({ 'glob.service': ['m1', 'm2'] }, { rules }))).toEqual([
      { kind: 'rule', text: 'global glob.service is not active on m3' },
      { kind: 'rule', text: 'global glob.service is active on m2, which its metadata does not match' },
    ]);
  });
});
