import { describe, expect, test } from 'vitest';
import { isFlotillaError, type MachineRecord } from '@flotilla/core';
import { resolveMachine } from './resolve.js';

const machine = (id: string, hostname: string): MachineRecord => ({ id, hostname, ip: '', metadata: {}, version: 't', startedAt: 0 });
const M1 = machine('113f16a7b2c4d6e8f0a1b2c3d4e5f6a7', 'm1');
const M2 = machine('113f99a7b2c4d6e8f0a1b2c3d4e5f6a7', 'm2');
const M3 = machine('2c2e6f3d9a8b7c6d5e4f3a2b1c0d9e8f', 'm3');
// A hostname that is also another machine's ID prefix, and two machines sharing a hostname.
const ODD = machine('aa00000000000000000000000000000a', '2c2e');
const TWIN_A = machine('bb00000000000000000000000000000b', 'twin');
const TWIN_B = machine('cc00000000000000000000000000000c', 'twin');
const ALL = [M1, M2, M3];

function outcome(machines: readonly MachineRecord[], arg: string): string {
  try {
    return resolveMachine(machines, arg).id;
  } catch (err) {
    if (!isFlotillaError(err)) throw err;
    return `${err.code}: ${err.message}`;
  }
}

describe('resolveMachine', () => {
  test.each<[string, readonly MachineRecord[], string, string]>([
    ['full ID', ALL, M1.id, M1.id],
    ['unique prefix', ALL, '2c2e', M3.id],
    ['hostname', ALL, 'm2', M2.id],
    ['full ID wins over a hostname equal to it', [...ALL, machine('dd00000000000000000000000000000d', M1.id)], M1.id, M1.id],
    ['ambiguous prefix names every match', ALL, '113f', `CLI_MACHINE_AMBIGUOUS: "113f" matches 2 machines: ${M1.id} (m1), ${M2.id} (m2)`],
    ['hostname of one, prefix of another', [...ALL, ODD], '2c2e', `CLI_MACHINE_AMBIGUOUS: "2c2e" matches 2 machines: ${M3.id} (m3), ${ODD.id} (2c2e)`],
    ['two machines with one hostname', [TWIN_A, TWIN_B], 'twin', `CLI_MACHINE_AMBIGUOUS: "twin" matches 2 machines: ${TWIN_A.id} (twin), ${TWIN_B.id} (twin)`],
    ['unknown', ALL, 'm9', 'CLI_MACHINE_NOT_FOUND: no machine matches "m9" (by ID, ID prefix or hostname)'],
    ['empty', ALL, '', 'CLI_MACHINE_NOT_FOUND: no machine matches "" (by ID, ID prefix or hostname)'],
    ['no machines', [], 'm1', 'CLI_MACHINE_NOT_FOUND: no machine matches "m1" (by ID, ID prefix or hostname)'],
    ['a prefix is not a hostname prefix', ALL, 'm', 'CLI_MACHINE_NOT_FOUND: no machine matches "m" (by ID, ID prefix or hostname)'],
  ])('%s', (_name, machines, arg, want) => {
    expect(outcome(machines, arg)).toBe(want);
  });
});
