/** `Entrypoint=`, `Memory=`, `Cpus=`: what compose's entrypoint and deploy.resources.limits become (docs/containers.md). */
import { parseUnitFile } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { runArgv } from './run-command.js';
import { containerSpecFromOptions } from './spec.js';

const unit = (...lines: string[]) => parseUnitFile(`${lines.join('\n')}\n`);
const argv = (...lines: string[]) => runArgv(containerSpecFromOptions('x.container', unit('[Container]', 'Image=img', ...lines), 'docker'), { binary: 'docker', unitName: 'x.container', machineId: 'm' });

describe('container limits and entrypoint', () => {
  test.each([
    { lines: ['Entrypoint=/bin/sh'], args: ['--entrypoint', '/bin/sh'] },
    { lines: ['Memory=512m'], args: ['--memory=512m'] },
    { lines: ['Memory=1073741824'], args: ['--memory=1073741824'] },
    { lines: ['Cpus=0.5'], args: ['--cpus=0.5'] },
    { lines: ['Entrypoint=/e', 'Memory=1g', 'Cpus=2'], args: ['--entrypoint', '/e', '--memory=1g', '--cpus=2'] },
  ])('$lines → $args, before the image', ({ lines, args }) => {
    const out = argv(...lines);
    const at = out.indexOf(args[0]!);
    expect(out.slice(at, at + args.length)).toEqual(args);
    expect(out.indexOf('img')).toBeGreaterThan(at);
  });

  test('no keys, no flags', () => {
    expect(argv().filter((a) => /^--(entrypoint|memory|cpus)/.test(a))).toEqual([]);
  });

  test.each([
    { line: 'Memory=512MB', error: 'x.container: [Container] Memory= must be bytes with an optional b, k, m or g, got "512MB"' },
    { line: 'Memory=lots', error: 'x.container: [Container] Memory= must be bytes with an optional b, k, m or g, got "lots"' },
    { line: 'Cpus=0', error: 'x.container: [Container] Cpus= must be a positive number, got "0"' },
    { line: 'Cpus=half', error: 'x.container: [Container] Cpus= must be a positive number, got "half"' },
  ])('$line is refused', ({ line, error }) => {
    expect(() => argv(line)).toThrow(error);
  });
});
