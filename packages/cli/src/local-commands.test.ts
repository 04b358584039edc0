/**
 * The local commands (agent, lb, cloud-config, cloud-init, butane, pki, completion) on the real program, in
 * process: their output, and their failures reported as a verb's are (message, hint, exit status 1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from 'vitest';
import { programFor, type Runtime } from './program.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-local-commands-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Run {
  exitCode: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const rt: Runtime = {
    env,
    cwd: dir,
    stdout: new PassThrough().on('data', (d: Buffer) => (stdout += d.toString())),
    stderr: new PassThrough().on('data', (d: Buffer) => (stderr += d.toString())),
    version: '7.7.7',
    exitCode: 0,
  };
  const { program, argv: expanded } = await programFor(rt, argv);
  await program.parseAsync(expanded, { from: 'user' });
  return { exitCode: rt.exitCode, stdout, stderr };
}

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

describe('failures are reported as the verbs report them: message, hint, exit status 1', () => {
  const missing = path.join(dir, 'missing.yaml');
  test.each<[string, () => string[], NodeJS.ProcessEnv, string]>([
    ['completion: an unknown shell', () => ['completion', 'fish'], {}, 'unsupported shell "fish": expected bash or zsh\n'],
    ['cloud-init: an unreadable file', () => ['cloud-init', missing], {}, `cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n`],
    [
      'butane: a file that is not YAML',
      () => ['butane', file('bad.bu', 'nope: [')],
      {},
      `${dir}/bad.bu:1: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 8:`,
    ],
    [
      'cloud-config: a worker without etcd',
      () => ['cloud-config', '--role', 'worker'],
      {},
      '--etcd: a worker needs the etcd URL(s) of the cluster\nhint: see `flotilla cloud-config --help`\n',
    ],
    [
      'pki issue: no PKI in the directory',
      () => ['pki', 'issue', path.join(dir, 'no-pki'), '--name', 'w1'],
      {},
      `${dir}/no-pki/ca.key does not exist\nhint: run \`flotilla pki init ${dir}/no-pki\` first\n`,
    ],
    [
      'lb haproxy: a bad global --endpoint',
      () => ['--endpoint', 'foo', 'lb', 'haproxy', '--prefix', 'a@', '--listen', '127.0.0.1:1', '--config', path.join(dir, 'h.cfg')],
      {},
      'invalid value "foo" for --endpoint: URL scheme undefined\n',
    ],
    [
      "lb haproxy: the agent's etcd password file cannot be read (typed, as for the verbs)",
      () => ['lb', 'haproxy', '--prefix', 'a@', '--listen', '127.0.0.1:1', '--config', path.join(dir, 'h.cfg')],
      { FLOTILLA_ETCD_PASSWORD_FILE: missing },
      `Unable to initialize client: cannot read FLOTILLA_ETCD_PASSWORD_FILE ${missing}: ENOENT: no such file or directory, open '${missing}'\n`,
    ],
    [
      'agent: a bad FLOTILLA_* setting',
      () => ['agent'],
      { FLOTILLA_AGENT_TTL: 'abc' },
      'FLOTILLA_AGENT_TTL: expected a positive number of seconds, got "abc"\nhint: fix FLOTILLA_AGENT_TTL in the agent\'s environment (/etc/flotilla/agent.env)\n',
    ],
  ])('%s', async (_name, argv, env, stderr) => {
    const result = await run(argv(), env);
    expect({ exitCode: result.exitCode, stdout: result.stdout }).toEqual({ exitCode: 1, stdout: '' });
    expect(result.stderr.startsWith(stderr)).toBe(true);
  });

  test('an error that is not a FlotillaError is an unexpected one, with its stack under --debug', async () => {
    const notADir = file('not-a-dir', '');
    const userData = file('user-data.yaml', '#cloud-config\nwrite_files:\n  - path: /etc/app.conf\n    content: "x"\n');
    const result = await run(['--debug', 'cloud-init', '--root', notADir, '--private-ipv4', '10.1.1.1', userData]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^Unexpected error: ENOTDIR: not a directory, mkdir .*\nError: ENOTDIR: .*\n {4}at /);
  });
});

describe('output', () => {
  test('completion bash: a script naming the local commands too', async () => {
    const result = await run(['completion', 'bash']);
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(result.stdout.split('\n')[0]).toBe('# bash completion for flotilla; load with: source <(flotilla completion bash)');
    for (const name of ['agent', 'lb', 'cloud-config', 'cloud-init', 'butane', 'pki', 'completion', 'start']) expect(result.stdout).toContain(name);
  });

  test('butane: Ignition JSON on stdout', async () => {
    const result = await run(['butane', file('ok.bu', 'variant: fcos\nversion: 1.4.0\n')]);
    expect({ exitCode: result.exitCode, stderr: result.stderr }).toEqual({ exitCode: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toEqual({ ignition: { version: '3.3.0' }, storage: { files: [] }, systemd: { units: [] } });
  });

  test('cloud-init: each step on stdout, warnings on stderr', async () => {
    const userData = file('apply.yaml', '#cloud-config\nhostname: n1\nwrite_files:\n  - path: /etc/app.conf\n    content: "ip=$private_ipv4\\n"\nunknown_key: 1\n');
    const root = path.join(dir, 'root');
    const result = await run(['cloud-init', '--root', root, '--private-ipv4', '10.1.1.1', userData]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe(`warning: ${userData}:6: unrecognized key "unknown_key" ignored\n`);
    expect(result.stdout).toContain('cloud-init: ');
    expect(fs.readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('ip=10.1.1.1\n');
  });

  test('cloud-config: the config on stdout, warnings on stderr', async () => {
    const result = await run(['cloud-config', '--role', 'worker', '--etcd', 'http://10.0.0.1:2379']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('warning: --etcd is plain http://: etcd traffic is not encrypted and etcd asks for no user (docs/cloud-config.md, "Secure by default")\n');
    expect(result.stdout.split('\n')[0]).toBe('#cloud-config');
    expect(result.stdout).toContain('FLOTILLA_ENDPOINT=http://10.0.0.1:2379\n');
  });
});
