import type { EndpointRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { buildNameTable } from './name-table.js';

const ep = (unit: string, ip: string, name: Partial<Pick<EndpointRecord, 'service' | 'project'>> = {}): EndpointRecord => ({
  unit, machineId: `m-${ip}`, ip, port: 80, ...name,
});

describe('buildNameTable', () => {
  test.each<[string, EndpointRecord[], Record<string, string[]>, string[]]>([
    ['no endpoints: only the zone', [], {}, ['flotilla']],
    ['one unit, its prefix as name', [ep('db.service', '10.0.0.1')], { 'db.flotilla': ['10.0.0.1'] }, ['flotilla']],
    ['the published name wins over the prefix', [ep('web@1.container', '10.0.0.1', { service: 'frontend' })], { 'frontend.flotilla': ['10.0.0.1'] }, ['flotilla']],
    ['instances merge, one address per machine, sorted',
      [ep('app@1.service', '10.0.0.3', { service: 'app' }), ep('app@2.service', '10.0.0.1', { service: 'app' }), ep('app@3.service', '10.0.0.3', { service: 'app' })],
      { 'app.flotilla': ['10.0.0.1', '10.0.0.3'] }, ['flotilla']],
    ['a project adds its parent', [ep('shop-db.container', '10.0.0.2', { service: 'db', project: 'shop' })], { 'db.shop.flotilla': ['10.0.0.2'] }, ['flotilla', 'shop.flotilla']],
    ['same service in two projects stays apart',
      [ep('a-db.container', '10.0.0.1', { service: 'db', project: 'a' }), ep('b-db.container', '10.0.0.2', { service: 'db', project: 'b' })],
      { 'db.a.flotilla': ['10.0.0.1'], 'db.b.flotilla': ['10.0.0.2'] }, ['flotilla', 'a.flotilla', 'b.flotilla']],
    ['a project named like a service: the name has addresses, not a parent',
      [ep('shop.service', '10.0.0.1'), ep('x.container', '10.0.0.2', { service: 'db', project: 'shop' })],
      { 'shop.flotilla': ['10.0.0.1'], 'db.shop.flotilla': ['10.0.0.2'] }, ['flotilla']],
    ['upper case published names are lowered', [ep('x.service', '10.0.0.1', { service: 'DB', project: 'Shop' })], { 'db.shop.flotilla': ['10.0.0.1'] }, ['flotilla', 'shop.flotilla']],
    ['IPv6 kept', [ep('db.service', 'fd00::1')], { 'db.flotilla': ['fd00::1'] }, ['flotilla']],
    ['skipped: bad published label, bad IP, unnamed prefix',
      [ep('x.service', '10.0.0.1', { service: 'a.b' }), ep('y.service', 'not-an-ip'), ep('a.b.service', '10.0.0.1'), ep('z.service', '10.0.0.1', { service: 'z', project: '-' })],
      {}, ['flotilla']],
  ])('%s', (_case, endpoints, addresses, parents) => {
    const table = buildNameTable(endpoints);
    expect({ addresses: Object.fromEntries(table.addresses), parents: [...table.parents] }).toEqual({ addresses, parents });
  });
});
