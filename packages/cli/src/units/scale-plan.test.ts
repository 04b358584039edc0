import { describe, expect, test } from 'vitest';
import { parseScaleCount, parseScaleTarget, planScale, type ScalePlan, type ScaleTarget } from './scale-plan.js';

describe('parseScaleTarget', () => {
  test.each<[string, string, ScaleTarget]>([
    ['bare prefix', 'app@', { dir: '', prefix: 'app', suffix: 'service' }],
    ['template name', 'app@.service', { dir: '', prefix: 'app', suffix: 'service' }],
    ['template file in a directory', 'units/app@.container', { dir: 'units/', prefix: 'app', suffix: 'container' }],
    ['absolute path', '/tmp/x/web-1@.service', { dir: '/tmp/x/', prefix: 'web-1', suffix: 'service' }],
  ])('%s: %s', (_case, arg, want) => {
    expect(parseScaleTarget(arg)).toEqual(want);
  });

  test.each([['no @', 'app'], ['an instance', 'app@1.service'], ['empty prefix', '@.service'], ['a directory', 'units/']])('%s (%s) is a usage error', (_case, arg) => {
    expect(() => parseScaleTarget(arg)).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });
});

describe('parseScaleCount', () => {
  test.each([['0', 0], ['3', 3], ['1000', 1000]])('%s', (text, n) => expect(parseScaleCount(text)).toBe(n));
  test.each(['-1', '1.5', 'three', '', '1001', '0x3'])('%j is a usage error', (text) => {
    expect(() => parseScaleCount(text)).toThrow(expect.objectContaining({ code: 'CLI_USAGE' }));
  });
});

describe('planScale', () => {
  const app: ScaleTarget = { dir: 'units/', prefix: 'app', suffix: 'service' };
  test.each<[string, number, string[], ScalePlan]>([
    ['from nothing', 3, [], { wanted: ['units/app@1.service', 'units/app@2.service', 'units/app@3.service'], remove: [] }],
    ['already there: same plan, nothing removed', 2, ['app@1.service', 'app@2.service', 'app@.service'], { wanted: ['units/app@1.service', 'units/app@2.service'], remove: [] }],
    [
      'down: numbered instances above N go, highest first; other templates, named instances and the template stay',
      1,
      ['app@.service', 'app@1.service', 'app@2.service', 'app@10.service', 'app@blue.service', 'app@3.container', 'apple@5.service', 'db.service'],
      { wanted: ['units/app@1.service'], remove: ['app@10.service', 'app@2.service'] },
    ],
    ['to zero', 0, ['app@1.service', 'app@2.service'], { wanted: [], remove: ['app@2.service', 'app@1.service'] }],
    ['non-canonical numbers go', 2, ['app@0.service', 'app@01.service', 'app@2.service'], { wanted: ['units/app@1.service', 'units/app@2.service'], remove: ['app@01.service', 'app@0.service'] }],
  ])('%s', (_case, count, existing, want) => {
    expect(planScale(app, count, existing)).toEqual(want);
  });
});
