import type { UnitStateRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { instanceHealth, type InstanceHealth } from './instance-health.js';

describe('instanceHealth: states of the target version only', () => {
  const state = (hash: string, activeState: string, health?: string): UnitStateRecord => ({
    unit: 'app@1.container', machineId: 'm1', hash, updatedAt: 0, loadState: 'loaded', activeState, subState: 'running',
    container: { state: activeState === 'active' ? 'running' : 'exited', ...(health ? { health } : {}) },
  });
  test.each([
    { name: 'case 1: the old version healthy does not count', states: [state('old', 'active', 'healthy'), state('new', 'active', 'starting')], want: 'waiting' },
    { name: 'case 2: no state of the target yet', states: [state('old', 'active', 'healthy')], want: 'waiting' },
    { name: 'case 3: one machine healthy on the target', states: [state('new', 'active', 'healthy')], want: 'healthy' },
    { name: 'case 4: failed on the target', states: [state('new', 'failed')], want: 'failed' },
  ] as { name: string; states: UnitStateRecord[]; want: InstanceHealth }[])('$name', ({ states, want }) => expect(instanceHealth(states, 'new')).toBe(want));
});
