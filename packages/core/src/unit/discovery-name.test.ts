import { describe, expect, test } from 'vitest';
import type { UnitOption } from '../model.js';
import { discoveryFqdn, discoveryName, discoveryNameProblem, discoveryProject, discoverySearchDomains, type DiscoveryName } from './discovery-name.js';

const fl = (name: string, value: string): UnitOption => ({ section: 'X-Flotilla', name, value });

describe('discoveryName', () => {
  test.each<[string, string, UnitOption[], DiscoveryName | undefined]>([
    ['instance: the prefix', 'app@3.service', [], { service: 'app' }],
    ['container: the stem', 'db.container', [], { service: 'db' }],
    ['ServiceName wins', 'web@1.container', [fl('ServiceName', 'frontend')], { service: 'frontend' }],
    ['the last ServiceName wins', 'a.service', [fl('ServiceName', 'x'), fl('ServiceName', 'y')], { service: 'y' }],
    ['Project', 'shop-db.container', [fl('ServiceName', 'db'), fl('Project', 'shop')], { service: 'db', project: 'shop' }],
    ['lower case', 'API.service', [fl('Project', 'Shop')], { service: 'api', project: 'shop' }],
    ['underscore kept', 'my_db.service', [], { service: 'my_db' }],
    ['a prefix with a dot has no name', 'a.b.service', [], undefined],
    ['a prefix with \\x2d escapes has no name', 'a\\x2db.service', [], undefined],
    ['an empty ServiceName falls back to the prefix', 'db.service', [fl('ServiceName', '')], { service: 'db' }],
    ['ServiceName in another section is ignored', 'db.service', [{ section: 'Service', name: 'ServiceName', value: 'x' }], { service: 'db' }],
  ])('%s', (_case, unit, options, want) => {
    expect(discoveryName(unit, options)).toEqual(want);
  });
});

describe('discoveryNameProblem', () => {
  test.each<[string, UnitOption[], string | undefined]>([
    ['none', [], undefined],
    ['good', [fl('ServiceName', 'db'), fl('Project', 'shop-1')], undefined],
    ['dot', [fl('ServiceName', 'db.x')], "[X-Flotilla] ServiceName=db.x: not a DNS label (letters, digits, '-' and '_', at most 63, no '-' at either end)"],
    ['leading hyphen', [fl('Project', '-p')], "[X-Flotilla] Project=-p: not a DNS label (letters, digits, '-' and '_', at most 63, no '-' at either end)"],
    ['64 characters', [fl('ServiceName', 'a'.repeat(64))], `[X-Flotilla] ServiceName=${'a'.repeat(64)}: not a DNS label (letters, digits, '-' and '_', at most 63, no '-' at either end)`],
    ['63 characters', [fl('ServiceName', 'a'.repeat(63))], undefined],
  ])('%s', (_case, options, want) => {
    expect(discoveryNameProblem(options)).toBe(want);
  });
});

test.each<[DiscoveryName, string]>([
  [{ service: 'db' }, 'db.flotilla'],
  [{ service: 'db', project: 'shop' }, 'db.shop.flotilla'],
])('fqdn of %j', (name, fqdn) => {
  expect(discoveryFqdn(name)).toBe(fqdn);
});

test.each<[string, UnitOption[], string[]]>([
  ['no project', [], ['flotilla']],
  ['a project, lowered', [fl('Project', 'Shop')], ['shop.flotilla', 'flotilla']],
  ['a project that is no label', [fl('Project', 'a.b')], ['flotilla']],
])('search domains: %s', (_case, options, search) => {
  expect(discoverySearchDomains(discoveryProject(options))).toEqual(search);
});
