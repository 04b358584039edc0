import { describe, expect, test } from 'vitest';
import { declaredReplicas, replicaCountProblem } from './replicas.js';
import { loadUnitFile } from './unit-file.js';

const replicas = (value: string) => [{ section: 'X-Flotilla', name: 'Replicas', value }];

describe('replica counts', () => {
  test.each([
    [0, undefined],
    [1000, undefined],
    [-1, 'whole number'],
    [1001, 'whole number'],
    [2.5, 'whole number'],
    ['3', 'whole number'],
  ])('count %j → %s', (count, problem) => {
    const found = replicaCountProblem(count);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test.each([
    ['app@.service', [], undefined],
    ['app@.service', replicas('5'), { count: 5 }],
    ['app@.service', replicas(' 0 '), { count: 0 }],
    ['app@.service', replicas('abc'), { problem: 'Replicas=abc: replica count must be a whole number from 0 to 1000, not "abc"' }],
    ['app@.service', replicas('-2'), { problem: 'Replicas=-2: replica count must be a whole number from 0 to 1000, not "-2"' }],
    ['app.service', replicas('2'), { problem: 'Replicas= is only valid in a template unit (NAME@.service), not app.service' }],
  ])('%s with %j → %j', (name, options, expected) => {
    expect(declaredReplicas(name, options)).toEqual(expected);
  });

  test('a bad Replicas= in a file names the file, line and key', () => {
    const text = '[Service]\nExecStart=/bin/true\n\n[X-Flotilla]\nReplicas=abc\n';
    expect(() => loadUnitFile('app@.service', text, 'units/app@.service')).toThrow(/units\/app@\.service:5:1: Replicas=abc: .*whole number.*\(key Replicas\)/);
  });
});
