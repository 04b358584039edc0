/** The engine's build command line for a service's build: (pure, in a table). */
import { describe, expect, test } from 'vitest';
import { buildArgv, tailLines } from './build-argv.js';

describe('buildArgv', () => {
  test.each([
    { name: 'context only', spec: { context: '/p/web', args: [], image: 'registry.flotilla:5000/p/web:latest' }, argv: ['build', '-t', 'registry.flotilla:5000/p/web:latest', '/p/web'] },
    {
      name: 'dockerfile resolved against the context; args in order; target',
      spec: { context: '/p/web', dockerfile: 'docker/Dockerfile', args: [['A', '1'], ['B', 'two words']] as [string, string][], target: 'runtime', image: 'r/p/web:2' },
      argv: ['build', '-t', 'r/p/web:2', '-f', '/p/web/docker/Dockerfile', '--build-arg', 'A=1', '--build-arg', 'B=two words', '--target', 'runtime', '/p/web'],
    },
    { name: 'an absolute dockerfile stays', spec: { context: '/p/web', dockerfile: '/elsewhere/Dockerfile', args: [], image: 'i:1' }, argv: ['build', '-t', 'i:1', '-f', '/elsewhere/Dockerfile', '/p/web'] },
  ])('$name', ({ spec, argv }) => {
    expect(buildArgv(spec)).toEqual(argv);
  });

  test('tailLines keeps the last lines', () => {
    expect(tailLines('a\nb\nc\nd\n', 2)).toBe('c\nd');
  });
});
