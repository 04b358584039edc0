import { describe, expect, test } from 'vitest';
import type { DesiredState, UnitStateRecord } from '@flotilla/core';
import { renderDrainEnd, renderDrainEvent, renderDrainPending, renderDrainStatus } from '../render/machine-lifecycle.js';
import { advanceDrain, drainRow, unplacedUnits, type DrainRow, type DrainStep, type DrainSummary, type DrainUnit, type DrainView } from './drain-progress.js';

// Machine IDs and the hostnames lines use for them. M2 is the one being drained.
const M1 = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const M2 = '2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const M3 = '3d3e6f3d9a8b7c6d5e4f3a2b1c0d9e8f';
const LABELS = new Map([[M1, 'm1'], [M2, 'm2'], [M3, 'm3']]);

const without = (schedule: Record<string, string>, name: string) => Object.fromEntries(Object.entries(schedule).filter(([u]) => u !== name));
const unit = (name: string, over: Partial<DrainUnit> = {}): DrainUnit => ({ name, desiredState: 'launched', global: false, ...over });
/** [unit, machine, activeState, loadState?] */
type StateSpec = [string, string, string, string?];

interface ViewSpec {
  units?: DrainUnit[];
  schedule?: Record<string, string>;
  states?: StateSpec[];
  globalAssigned?: string[];
  unplaceable?: string[];
}

function view(spec: ViewSpec): DrainView {
  const states = new Map<string, Map<string, UnitStateRecord>>();
  for (const [name, machineId, activeState, loadState = 'loaded'] of spec.states ?? []) {
    const byMachine = states.get(name) ?? new Map<string, UnitStateRecord>();
    byMachine.set(machineId, { unit: name, machineId, hash: 'h', loadState, activeState, subState: activeState === 'active' ? 'running' : 'dead', updatedAt: 0 });
    states.set(name, byMachine);
  }
  return {
    units: new Map((spec.units ?? []).map((u) => [u.name, u])),
    schedule: new Map(Object.entries(spec.schedule ?? {})),
    states,
    globalAssigned: new Set(spec.globalAssigned ?? []),
    unplaceable: new Set(spec.unplaceable ?? []),
    labels: LABELS,
  };
}

describe('drainRow: where one unit of the draining machine stands', () => {
  const launched = unit('a.service');
  const loaded = unit('a.service', { desiredState: 'loaded' as DesiredState });
  test.each<[string, ViewSpec, DrainRow]>([
    ['scheduled here', { units: [launched], schedule: { 'a.service': M2 }, states: [['a.service', M2, 'active']] }, { unit: 'a.service', phase: 'waiting' }],
    ['taken off, still running here', { units: [launched], states: [['a.service', M2, 'deactivating']] }, { unit: 'a.service', phase: 'stopping' }],
    ['placed elsewhere while still running here', { units: [launched], schedule: { 'a.service': M1 }, states: [['a.service', M2, 'active']] }, { unit: 'a.service', phase: 'stopping', to: M1 }],
    ['stopped here, placed nowhere yet, placeable', { units: [launched], states: [['a.service', M2, 'inactive']] }, { unit: 'a.service', phase: 'moving' }],
    ['stopped here, fits nowhere', { units: [launched], unplaceable: ['a.service'] }, { unit: 'a.service', phase: 'stopped' }],
    ['failed here counts as stopped', { units: [launched], schedule: { 'a.service': M1 }, states: [['a.service', M2, 'failed']] }, { unit: 'a.service', phase: 'moving', to: M1 }],
    ['placed elsewhere, starting there', { units: [launched], schedule: { 'a.service': M1 }, states: [['a.service', M1, 'activating']] }, { unit: 'a.service', phase: 'moving', to: M1 }],
    ['active elsewhere', { units: [launched], schedule: { 'a.service': M1 }, states: [['a.service', M1, 'active']] }, { unit: 'a.service', phase: 'moved', to: M1 }],
    ['loaded unit loaded elsewhere', { units: [loaded], schedule: { 'a.service': M1 }, states: [['a.service', M1, 'inactive']] }, { unit: 'a.service', phase: 'moved', to: M1 }],
    ['loaded unit not yet there', { units: [loaded], schedule: { 'a.service': M1 } }, { unit: 'a.service', phase: 'moving', to: M1 }],
    ['destroyed', {}, { unit: 'a.service', phase: 'gone' }],
    ['set inactive', { units: [unit('a.service', { desiredState: 'inactive' })] }, { unit: 'a.service', phase: 'gone' }],
    ['destroyed, still running here', { states: [['a.service', M2, 'active']] }, { unit: 'a.service', phase: 'stopping' }],
  ])('%s', (_name, spec, want) => {
    expect(drainRow(M2, view(spec), 'a.service')).toEqual(want);
  });

  test('only units placed nowhere go to the planner', () => {
    const rows: DrainRow[] = [
      { unit: 'a', phase: 'moving' },
      { unit: 'b', phase: 'moving', to: M1 },
      { unit: 'c', phase: 'stopping' },
      { unit: 'd', phase: 'waiting' },
    ];
    expect(unplacedUnits(rows)).toEqual(['a']);
  });
});

describe('a drain, step by step: the lines printed and the end line', () => {
  // app@1 and app@2 (a template: moved one at a time), web.service, a loaded unit, a global unit; then one that
  // fits nowhere and is stopped at the deadline, and one destroyed meanwhile.
  const units = [
    unit('app@1.service'), unit('app@2.service'), unit('web.service'), unit('cfg.service', { desiredState: 'loaded' }),
    unit('big.service'), unit('tmp.service'), unit('agent.service', { global: true }),
  ];
  const onM2 = { 'app@1.service': M2, 'app@2.service': M2, 'web.service': M2, 'cfg.service': M2, 'big.service': M2, 'tmp.service': M2 };
  const running: StateSpec[] = Object.keys(onM2).map((u) => [u, M2, 'active']);
  const global: StateSpec = ['agent.service', M2, 'active'];
  const steps: [string, ViewSpec, string[]][] = [
    ['the drain starts: the first read prints nothing', { units, schedule: onM2, states: [...running, global], globalAssigned: ['agent.service'] }, []],
    [
      'app@1 taken off (stopping), web placed on m1 while m2 still runs it',
      { units, schedule: { ...without(onM2, 'app@1.service'), 'web.service': M1 }, states: [...running, global] },
      [],
    ],
    [
      'both stopped on m2; app@1 placed on m3, web active on m1',
      {
        units,
        schedule: { ...onM2, 'app@1.service': M3, 'web.service': M1 },
        states: [...running.filter(([u]) => u !== 'app@1.service' && u !== 'web.service'), global, ['web.service', M1, 'active']],
      },
      ['moving app@1.service: m2 → m3', 'moving web.service: m2 → m1', 'web.service active on m1 (1/6)'],
    ],
    [
      'app@1 active on m3, cfg loaded on m1, tmp destroyed; app@2 waits (one instance of a template at a time)',
      {
        units: units.filter((u) => u.name !== 'tmp.service'),
        schedule: { 'app@1.service': M3, 'app@2.service': M2, 'web.service': M1, 'cfg.service': M1, 'big.service': M2 },
        states: [['app@2.service', M2, 'active'], ['big.service', M2, 'active'], global, ['web.service', M1, 'active'], ['app@1.service', M3, 'active'], ['cfg.service', M1, 'inactive']],
      },
      [
        'app@1.service active on m3 (2/6)',
        'moving cfg.service: m2 → m1',
        'cfg.service loaded on m1 (3/6)',
        'tmp.service stopped or destroyed meanwhile (4/6)',
      ],
    ],
    [
      'past the deadline: app@2 goes straight to active on m1; big fits nowhere and was stopped',
      {
        units: units.filter((u) => u.name !== 'tmp.service'),
        schedule: { 'app@1.service': M3, 'app@2.service': M1, 'web.service': M1, 'cfg.service': M1 },
        states: [global, ['web.service', M1, 'active'], ['app@1.service', M3, 'active'], ['cfg.service', M1, 'inactive'], ['app@2.service', M1, 'active']],
        unplaceable: ['big.service'],
      },
      ['moving app@2.service: m2 → m1', 'app@2.service active on m1 (5/6)', 'big.service stopped on m2: fits nowhere else (6/6)'],
    ],
  ];

  test('every step prints what changed since the one before', () => {
    let step: DrainStep | undefined;
    for (const [name, spec, lines] of steps) {
      step = advanceDrain(M2, step, view(spec));
      expect({ name, lines: step.events.map(renderDrainEvent) }).toEqual({ name, lines });
    }
    expect(step!.summary).toEqual<DrainSummary>({ total: 6, waiting: 0, stopping: 0, moving: 0, moved: 4, stopped: 1, gone: 1, globalLeft: 1, done: true });
    expect(renderDrainEnd(step!.summary)).toBe('drained: 4 units moved, 1 global units left, 1 units stopped (fit nowhere else)\n');
  });

  test('the live line and a timeout name what is left', () => {
    const first = advanceDrain(M2, undefined, view(steps[0]![1]));
    const second = advanceDrain(M2, first, view(steps[2]![1]));
    expect(renderDrainStatus('m2', second.summary)).toBe('draining m2: 1/6 done, 1 moving, 0 stopping, 4 waiting');
    expect(renderDrainPending(second.rows, LABELS)).toBe(
      '4 units still on it (app@2.service, big.service, cfg.service, tmp.service), 1 units moving (app@1.service → m3)',
    );
  });
});

describe('advanceDrain: what is tracked', () => {
  test('a machine with only global units is drained at once', () => {
    const step = advanceDrain(M2, undefined, view({ units: [unit('g.service', { global: true })], states: [['g.service', M2, 'active']] }));
    expect(step.summary).toMatchObject({ total: 0, globalLeft: 1, done: true });
    expect(renderDrainEnd(step.summary)).toBe('drained: 0 units moved, 1 global units left\n');
  });

  test('run again mid-move: a unit still stopping on the machine is followed, units gone before are not', () => {
    const step = advanceDrain(M2, undefined, view({
      units: [unit('a.service'), unit('b.service')],
      schedule: { 'b.service': M1 },
      states: [['a.service', M2, 'deactivating'], ['b.service', M1, 'active']],
    }));
    expect(step.rows).toEqual([{ unit: 'a.service', phase: 'stopping' }]);
    expect(step.summary.done).toBe(false);
  });

  test('a unit that falls back (failed on its new machine) no longer counts as done', () => {
    const units = [unit('a.service'), unit('b.service')];
    const s1 = advanceDrain(M2, undefined, view({ units, schedule: { 'a.service': M2, 'b.service': M2 } }));
    const s2 = advanceDrain(M2, s1, view({ units, schedule: { 'a.service': M1, 'b.service': M2 }, states: [['a.service', M1, 'active']] }));
    expect(s2.events.map(renderDrainEvent)).toEqual(['moving a.service: m2 → m1', 'a.service active on m1 (1/2)']);
    const s3 = advanceDrain(M2, s2, view({ units, schedule: { 'a.service': M1, 'b.service': M3 }, states: [['a.service', M1, 'failed'], ['b.service', M3, 'active']] }));
    expect(s3.events.map(renderDrainEvent)).toEqual(['moving b.service: m2 → m3', 'b.service active on m3 (1/2)']);
    expect(s3.summary).toMatchObject({ moved: 1, moving: 1, done: false });
  });
});
