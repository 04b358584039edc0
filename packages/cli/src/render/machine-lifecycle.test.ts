import { expect, test } from 'vitest';
import type { MachineCordon, MachineRecord } from '@flotilla/core';
import { renderCordonResult, renderDrainStart, type CordonResult } from './machine-lifecycle.js';

const ID = '113f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const machine = (hostname = 'm1'): MachineRecord => ({ id: ID, hostname, ip: '', metadata: {}, version: 't', startedAt: 0 });
const DRAINING: MachineCordon = { since: 1, drain: { startedAt: 1 } };

test.each<[string, CordonResult, string]>([
  ['cordoned', { outcome: 'cordoned', machine: machine(), before: undefined }, `cordoned: ${ID} (m1)\n`],
  ['already cordoned', { outcome: 'already cordoned', machine: machine(), before: { since: 1 } }, `already cordoned: ${ID} (m1)\n`],
  ['cordon leaves a drain', { outcome: 'already draining', machine: machine(), before: DRAINING }, `already draining: ${ID} (m1)\n`],
  ['uncordoned', { outcome: 'uncordoned', machine: machine(), before: { since: 1 } }, `uncordoned: ${ID} (m1)\n`],
  ['uncordon ends a drain', { outcome: 'uncordoned', machine: machine(), before: DRAINING }, `uncordoned: ${ID} (m1), drain stopped\n`],
  ['not cordoned', { outcome: 'not cordoned', machine: machine(), before: undefined }, `not cordoned: ${ID} (m1)\n`],
  ['no hostname', { outcome: 'cordoned', machine: machine(''), before: undefined }, `cordoned: ${ID}\n`],
])('%s', (_name, result, want) => {
  expect(renderCordonResult(result)).toBe(want);
});

const NOW = 1_000_000;
test.each<[string, MachineCordon, boolean, string]>([
  ['no deadline', { since: NOW, drain: { startedAt: NOW } }, false, `draining: ${ID} (m1), no deadline`],
  ['a deadline', { since: NOW, drain: { startedAt: NOW, deadlineAt: NOW + 300_000 } }, false, `draining: ${ID} (m1), deadline in 5m`],
  ['run again', { since: 0, drain: { startedAt: NOW - 90_000, deadlineAt: NOW + 210_000 } }, true, `draining: ${ID} (m1), deadline in 3m30s, started 1m30s ago`],
  ['deadline passed', { since: 0, drain: { startedAt: 0, deadlineAt: NOW - 1 } }, true, `draining: ${ID} (m1), deadline passed, started 16m40s ago`],
])('drain start: %s', (_name, cordon, resumed, want) => {
  expect(renderDrainStart(machine(), cordon, NOW, resumed)).toBe(want);
});
