import { describe, expect, test } from 'vitest';
import { fleet, option } from '../testing/unit-builders.js';
import { keyedRecord } from '../user-keys.js';
import { type FleetRequirements, parseFleetRequirements, splitQuotedValues, unknownFleetKeys } from './fleet-requirements.js';

const none: FleetRequirements = { machineOf: [], metadata: {}, conflicts: [], global: false, replaces: [] };

describe('parseFleetRequirements', () => {
  test.each([
    { name: 'no [X-Fleet]', unit: 'a.service', options: [option('Service', 'MachineID', 'x')], want: none },
    { name: 'MachineID', unit: 'a.service', options: [fleet('MachineID', 'abc')], want: { ...none, machineId: 'abc' } },
    { name: 'first MachineID wins', unit: 'a.service', options: [fleet('MachineID', 'one'), fleet('MachineID', 'two')], want: { ...none, machineId: 'one' } },
    { name: 'MachineID beats deprecated aliases', unit: 'a.service', options: [fleet('X-ConditionMachineBootID', 'boot'), fleet('X-ConditionMachineID', 'old'), fleet('MachineID', 'new')], want: { ...none, machineId: 'new' } },
    { name: 'X-ConditionMachineID beats BootID', unit: 'a.service', options: [fleet('X-ConditionMachineBootID', 'boot'), fleet('X-ConditionMachineID', 'old')], want: { ...none, machineId: 'old' } },
    { name: 'BootID alone is a machine id', unit: 'a.service', options: [fleet('X-ConditionMachineBootID', 'boot')], want: { ...none, machineId: 'boot' } },
    { name: 'MachineOf combines both keys, not whitespace split', unit: 'a.service', options: [fleet('MachineOf', 'b.service'), fleet('X-ConditionMachineOf', 'c.service d.service')], want: { ...none, machineOf: ['c.service d.service', 'b.service'] } },
    { name: 'metadata grouped by key', unit: 'a.service', options: [fleet('MachineMetadata', 'region=us'), fleet('X-ConditionMachineMetadata', 'disk=ssd'), fleet('MachineMetadata', 'region=eu')], want: { ...none, metadata: { disk: ['ssd'], region: ['us', 'eu'] } } },
    { name: 'metadata quoted multi-value', unit: 'a.service', options: [fleet('MachineMetadata', '"region=us-east-1" "diskType=SSD"')], want: { ...none, metadata: { region: ['us-east-1'], diskType: ['SSD'] } } },
    // Keys are the user's: names of Object.prototype's members are keys like any other (user-keys.ts).
    { name: 'metadata key constructor', unit: 'a.service', options: [fleet('MachineMetadata', 'constructor=x')], want: { ...none, metadata: keyedRecord([['constructor', ['x']]]) } },
    { name: 'metadata keys __proto__, toString, hasOwnProperty', unit: 'a.service', options: [fleet('MachineMetadata', '"__proto__=a" "toString=b" "hasOwnProperty=c" "__proto__=d"')], want: { ...none, metadata: keyedRecord([['__proto__', ['a', 'd']], ['toString', ['b']], ['hasOwnProperty', ['c']]]) } },
    { name: 'malformed metadata ignored', unit: 'a.service', options: [fleet('MachineMetadata', 'novalue'), fleet('MachineMetadata', 'a=b=c'), fleet('MachineMetadata', '=x'), fleet('MachineMetadata', 'k=')], want: none },
    { name: 'conflicts split on whitespace and accumulate', unit: 'a.service', options: [fleet('Conflicts', 'b.*  c.*'), fleet('X-Conflicts', 'd.service')], want: { ...none, conflicts: ['d.service', 'b.*', 'c.*'] } },
    { name: 'Global truthy', unit: 'a.service', options: [fleet('Global', 'TRUE')], want: { ...none, global: true } },
    { name: 'Global last occurrence wins', unit: 'a.service', options: [fleet('Global', 'yes'), fleet('Global', 'false')], want: none },
    { name: 'Global other truthy forms', unit: 'a.service', options: [fleet('Global', 't')], want: { ...none, global: true } },
    { name: 'Replaces not split', unit: 'a.service', options: [fleet('Replaces', 'b.service c.service')], want: { ...none, replaces: ['b.service c.service'] } },
    { name: 'specifiers on an instance', unit: 'pin@m1.service', options: [fleet('MachineID', '%i'), fleet('Conflicts', '%p@*.service'), fleet('MachineOf', '%N-side.service'), fleet('Replaces', '%n')], want: { ...none, machineId: 'm1', conflicts: ['pin@*.service'], machineOf: ['pin@m1-side.service'], replaces: ['pin@m1.service'] } },
    { name: 'metadata from instance', unit: 'metadata@host1.service', options: [fleet('MachineMetadata', 'hostname=%i')], want: { ...none, metadata: { hostname: ['host1'] } } },
    { name: '%p on a plain unit is the stem', unit: 'web.service', options: [fleet('Conflicts', '%p.*')], want: { ...none, conflicts: ['web.*'] } },
    { name: 'unknown specifier untouched', unit: 'a.service', options: [fleet('MachineID', '%m')], want: { ...none, machineId: '%m' } },
  ])('$name', ({ unit, options, want }) => {
    expect(parseFleetRequirements(unit, options)).toEqual(want);
  });
});

describe('splitQuotedValues', () => {
  test.each([
    { value: 'plain value', want: ['plain value'] },
    { value: '"a=1" "b=2"', want: ['a=1', 'b=2'] },
    { value: '"one two"', want: ['one two'] },
    { value: '"a b" c "d"', want: ['a b', 'c', 'd'] },
    { value: '"', want: ['"'] },
    { value: '"x', want: ['"x'] },
  ])('$value', ({ value, want }) => {
    expect(splitQuotedValues(value)).toEqual(want);
  });
});

describe('unknownFleetKeys', () => {
  test.each([
    { name: 'none', options: [fleet('MachineID', 'x'), fleet('Global', 'true')], want: [] },
    { name: 'deduplicated in order', options: [fleet('Foo', '1'), fleet('MachineOf', 'a.service'), fleet('Bar', '2'), fleet('Foo', '3')], want: ['Foo', 'Bar'] },
    { name: 'other sections ignored', options: [option('Service', 'Foo', '1')], want: [] },
  ])('$name', ({ options, want }) => {
    expect(unknownFleetKeys(options)).toEqual(want);
  });
});
