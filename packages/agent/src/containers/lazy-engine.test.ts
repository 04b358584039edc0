/**
 * dockerode (~29 MiB with its dependencies) is loaded by the first engine call, not by importing the agent:
 * runs the built package (dist/index.js) in a fresh Node process and lists the npm packages it loaded (all
 * CommonJS, so require.cache has them). The engine socket does not exist: the call fails fast with a typed error.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const INDEX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/index.js');

function loaded(callEngine: boolean, nodeFlags: string[] = []): { packages: string[]; error: string } {
  const script = `
    import { createRequire } from 'node:module';
    const mod = await import(${JSON.stringify(INDEX)});
    let error = '';
    if (${callEngine}) {
      const client = new mod.ContainerEngineClient('docker', { socketPath: '/nonexistent/engine.sock', timeoutMs: 1000 });
      await client.hasImage('x').catch((err) => (error = err.code));
    }
    const r = createRequire(import.meta.url);
    const names = Object.keys(r.cache).map((k) => (/node_modules\\/((@[^/]+\\/)?[^/]+)/.exec(k) ?? [])[1]).filter(Boolean);
    console.log(JSON.stringify({ packages: [...new Set(names)], error }));
  `;
  const run = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { packages: string[]; error: string };
}

test('importing the agent does not load dockerode; the first engine call does', () => {
  expect(loaded(false).packages).not.toContain('dockerode');
  const after = loaded(true);
  expect(after).toMatchObject({ error: 'CONTAINER_ENGINE' });
  expect(after.packages).toContain('dockerode');
});

test('a lean worker agent (--lite-mode: no WebAssembly) loads dockerode and gets a typed error, not a crash', () => {
  // Without load-dockerode.ts's ssh2 stand-in, ssh2's WebAssembly crypto kills the process here.
  expect(loaded(true, ['--lite-mode', '--no-expose-wasm', '--max-semi-space-size=1'])).toMatchObject({ error: 'CONTAINER_ENGINE' });
});
