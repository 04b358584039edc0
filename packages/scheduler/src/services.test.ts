import { makeUnitRecord, type ServiceRecord, type UnitRecord } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { planServices } from './services.js';

const options = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
const unit = (name: string, desiredState: UnitRecord['desiredState'] = 'launched') => makeUnitRecord({ name, options }, desiredState);
const template = unit('app@.service', 'inactive');
const service = (count: number): ServiceRecord => ({ template: 'app@.service', count });
const summary = (services: ServiceRecord[], units: UnitRecord[]) =>
  planServices(services, units).map((c) => `${c.kind} ${c.kind === 'create' ? `${c.unit.name} ${c.unit.desiredState}` : c.unit}`);

describe('planServices', () => {
  test.each<[string, ServiceRecord[], UnitRecord[], string[]]>([
    ['a new count creates every instance, launched', [service(2)], [template], ['create app@1.service launched', 'create app@2.service launched']],
    ['a kept count changes nothing', [service(2)], [template, unit('app@1.service'), unit('app@2.service')], []],
    ['a destroyed instance is created again', [service(3)], [template, unit('app@1.service'), unit('app@3.service')], ['create app@2.service launched']],
    ['a stopped instance is launched again', [service(2)], [template, unit('app@1.service', 'inactive'), unit('app@2.service', 'loaded')], ['launch app@1.service', 'launch app@2.service']],
    ['scaling down destroys the top instances, highest first', [service(1)], [template, unit('app@1.service'), unit('app@2.service'), unit('app@3.service')], ['destroy app@3.service', 'destroy app@2.service']],
    ['0 destroys every numbered instance, strays too', [service(0)], [template, unit('app@1.service'), unit('app@07.service')], ['destroy app@07.service', 'destroy app@1.service']],
    ['named instances are not the service\'s', [service(0)], [template, unit('app@blue.service')], []],
    ['no stored template: nothing to create from', [service(2)], [], []],
    ['no service: instances are left alone', [], [template, unit('app@1.service')], []],
  ])('%s', (_, services, units, expected) => {
    expect(summary(services, units)).toEqual(expected);
  });

  test('instances are created from the template\'s options, with the same hash as a submitted copy', () => {
    const [change] = planServices([service(1)], [template]);
    expect(change).toEqual({ kind: 'create', unit: makeUnitRecord({ name: 'app@1.service', options }, 'launched') });
  });
});
