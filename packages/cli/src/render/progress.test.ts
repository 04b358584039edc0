import { describe, expect, test } from 'vitest';
import { renderProgress, type Line, type ProgressEvent } from './progress.js';

const ID_A = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';

describe('renderProgress', () => {
  test.each<{ name: string; event: ProgressEvent; want: Line }>([
    { name: 'no units', event: { kind: 'no-units' }, want: { stream: 'stderr', text: 'No units given' } },
    { name: 'not found', event: { kind: 'units-not-found' }, want: { stream: 'stderr', text: 'Units not found in registry' } },
    {
      name: 'launched with machine',
      event: { kind: 'unit-state', unit: 'hello.service', state: 'launched', machine: { id: ID_A, ip: '172.17.8.103' } },
      want: { stream: 'stdout', text: 'Unit hello.service launched on 113f16a7.../172.17.8.103' },
    },
    {
      name: 'created (no machine)',
      event: { kind: 'unit-state', unit: 'hello.service', state: 'inactive' },
      want: { stream: 'stdout', text: 'Unit hello.service inactive' },
    },
    {
      name: 'triggered global',
      event: { kind: 'triggered', unit: 'g.service', verb: 'start', global: true },
      want: { stream: 'stdout', text: 'Triggered global unit g.service start' },
    },
    {
      name: 'triggered',
      event: { kind: 'triggered', unit: 'a.service', verb: 'stop', global: false },
      want: { stream: 'stdout', text: 'Triggered unit a.service stop' },
    },
    { name: 'destroyed', event: { kind: 'destroyed', unit: 'a.service' }, want: { stream: 'stdout', text: 'Destroyed a.service' } },
    {
      name: 'same unit',
      event: { kind: 'same-unit', unit: 'a.service' },
      want: { stream: 'stdout', text: 'Found same Unit(a.service) in Registry, nothing to do' },
    },
    {
      name: 'differs',
      event: { kind: 'differs', unit: 'a.service', file: 'units/a.service', template: false },
      want: { stream: 'stderr', text: 'WARNING: Unit a.service in registry differs from local unit file units/a.service. Add --replace to override.' },
    },
    {
      name: 'template differs',
      event: { kind: 'differs', unit: 'a@.service', file: 'a@.service', template: true },
      want: { stream: 'stderr', text: 'WARNING: Unit a@.service in registry differs from local template unit file a@.service. Add --replace to override.' },
    },
    {
      name: 'cannot replace',
      event: { kind: 'cannot-replace', unit: 'a.service', desiredState: 'launched' },
      want: { stream: 'stderr', text: "Warning: can not replace Unit(a.service) in state 'launched', use the appropriate command" },
    },
    {
      name: 'unknown X-Fleet key',
      event: { kind: 'unknown-fleet-key', unit: 'a.service', key: 'MachineIDD' },
      want: { stream: 'stderr', text: 'Unit a.service: unrecognized requirement in [X-Fleet] section: "MachineIDD"' },
    },
    {
      name: 'stopped',
      event: { kind: 'stopped', units: ['a.service', 'b.service'] },
      want: { stream: 'stderr', text: 'Successfully stopped units [a.service b.service].' },
    },
    {
      name: 'unloaded',
      event: { kind: 'unloaded', units: ['a.service'] },
      want: { stream: 'stderr', text: 'Successfully unloaded units [a.service].' },
    },
    {
      name: 'cannot restart',
      event: { kind: 'cannot-restart', unit: 'a.service' },
      want: { stream: 'stderr', text: 'Unable to restart unit a.service in state inactive' },
    },
    {
      name: 'unplaceable, reasons joined',
      event: { kind: 'unplaceable', unit: 'a.service', reasons: ['MachineMetadata role=db: 2 of 3 machines not matching', 'Conflicts db@*: 1 of 3 machines taken'] },
      want: { stream: 'stderr', text: 'Unit a.service cannot be placed: MachineMetadata role=db: 2 of 3 machines not matching; Conflicts db@*: 1 of 3 machines taken' },
    },
    {
      name: 'live progress',
      event: { kind: 'progress', waiting: 2, placed: 1, done: 3, state: 'launched' },
      want: { stream: 'status', text: '2 waiting for a machine, 1 placed, 3 launched' },
    },
    { name: 'progress end clears', event: { kind: 'progress-end' }, want: { stream: 'status', text: '' } },
  ])('$name', ({ event, want }) => {
    expect(renderProgress(event)).toEqual(want);
  });
});
