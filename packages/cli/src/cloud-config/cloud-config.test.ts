import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { MAX_TXN_OPS } from '../../../core/src/registry/schedule-batch.js';
import { planApply } from './apply-plan.js';
import { ETCD_MAX_TXN_OPS } from './etcd-limits.js';
import { runApplySteps } from './apply.js';
import { planNode, type NodeSpec } from './node-plan.js';
import { butaneToIgnition } from './parse-butane.js';
import { parseCloudConfig } from './parse-cloud-config.js';
import { toButane, toCloudConfig, toIgnition } from './serialize.js';

const worker = (over: Partial<NodeSpec> = {}): NodeSpec => ({
  role: 'worker',
  etcdEndpoints: ['http://master:2379'],
  metadata: {},
  ...over,
});

describe('planNode', () => {
  test('a worker runs the agent pointed at the cluster, with role metadata', () => {
    const plan = planNode(worker({ metadata: { disk: 'ssd' }, hostname: 'w1' }));
    expect(plan.hostname).toBe('w1');
    expect(plan.units.map((u) => [u.name, u.start])).toEqual([['flotilla-agent.service', true]]);
    expect(plan.files).toEqual([
      {
        path: '/etc/flotilla/agent.env',
        mode: 0o600,
        content:
          'FLOTILLA_ENDPOINT=http://master:2379\nFLOTILLA_METADATA=role=worker,disk=ssd\nFLOTILLA_AGENT_TTL=10\n' +
          'FLOTILLA_DISABLE_ENGINE=1\nFLOTILLA_NODE_FLAGS=--lite-mode --no-expose-wasm --max-semi-space-size=1\n',
      },
    ]);
    expect(plan.units[0]!.content).toContain('ExecStart=/usr/bin/node $FLOTILLA_NODE_FLAGS /opt/flotilla/packages/cli/dist/main.js agent\n');
  });

  test.each([
    ['worker (default: lean, never schedules)', worker(), false],
    ['worker --scheduler', worker({ scheduler: true }), true],
    ['master (default: scheduler candidate)', { role: 'master', etcdEndpoints: [], metadata: {} } satisfies NodeSpec, true],
    ['master --no-scheduler', { role: 'master', etcdEndpoints: [], metadata: {}, scheduler: false } satisfies NodeSpec, false],
  ])('%s', (_name, spec, candidate) => {
    const env = planNode(spec).files[0]!.content;
    expect(env.includes('FLOTILLA_DISABLE_ENGINE=1\n')).toBe(!candidate);
    expect(env).toContain(candidate ? 'FLOTILLA_NODE_FLAGS=--heap-growing-percent=20 --max-semi-space-size=32\n' : 'FLOTILLA_NODE_FLAGS=--lite-mode --no-expose-wasm --max-semi-space-size=1\n');
  });

  test.each<[string, NodeSpec, boolean]>([
    ['default: the discovery DNS runs (no key)', worker(), false],
    ['--no-dns: FLOTILLA_DNS=off', worker({ dns: false }), true],
  ])('%s', (_name, spec, off) => {
    const env = planNode(spec).files[0]!.content;
    expect(env.split('\n').filter((l) => l.startsWith('FLOTILLA_DNS'))).toEqual(off ? ['FLOTILLA_DNS=off'] : []);
  });

  test('a master also runs etcd, turns its auth on, and its agent uses the local etcd over TLS', () => {
    const plan = planNode({ role: 'master', etcdEndpoints: [], metadata: {} });
    expect(plan.units.map((u) => u.name)).toEqual(['etcd.service', 'flotilla-etcd-auth.service', 'flotilla-registry-trust.service', 'flotilla-agent.service']);
    expect(plan.files.map((f) => [f.path, f.mode])).toEqual([['/etc/flotilla/agent.env', 0o600], ['/etc/flotilla/etcd-auth.sh', 0o700]]);
    expect(plan.files[0]!.content).toContain('FLOTILLA_ENDPOINT=https://127.0.0.1:2379\n');
  });

  test.each([
    ['worker without etcd', worker({ etcdEndpoints: [] }), '--etcd: a worker needs the etcd URL(s) of the cluster'],
    ['etcd URL without scheme', worker({ etcdEndpoints: ['master:2379'] }), '--etcd: "master:2379" is not an http(s)://host:port URL'],
    ['http and https etcd URLs', worker({ etcdEndpoints: ['https://a:2379', 'http://b:2379'] }), '--etcd: mixes http:// and https:// URLs'],
    ['bad API listen address', worker({ apiListen: '54728' }), '--api-listen: expected host:port (e.g. 0.0.0.0:54728), got "54728"'],
    ['a PKI file name with a slash', worker({ pki: { '../x': '' } }), '--pki: "../x" is not a PKI file name'],
    ['bad metadata key', worker({ metadata: { 'a b': 'x' } }), '--metadata: invalid key "a b"'],
    ['metadata value with a comma', worker({ metadata: { a: 'x,y' } }), '--metadata: value of "a" may not contain'],
    ['bad hostname', worker({ hostname: 'bad_name' }), '--hostname: "bad_name" is not a valid host name'],
    ['env that is not FLOTILLA_*', worker({ extraEnv: { PATH: '/tmp' } }), 'environment: "PATH" is not a FLOTILLA_* variable name'],
  ])('rejects %s', (_name, spec, message) => {
    expect(() => planNode(spec)).toThrow(message);
  });
});

describe('secure by default (docs/cloud-config.md)', () => {
  const secureWorker = (over: Partial<NodeSpec> = {}) => worker({ etcdEndpoints: ['https://master:2379'], ...over });
  const env = (spec: NodeSpec) => planNode(spec).files[0]!.content.split('\n').filter((l) => /^FLOTILLA_(ETCD|API)_/.test(l));
  const ETCD_TLS = [
    'FLOTILLA_ETCD_CA_FILE=/etc/flotilla/pki/ca.pem',
    'FLOTILLA_ETCD_CERT_FILE=/etc/flotilla/pki/agent.pem',
    'FLOTILLA_ETCD_KEY_FILE=/etc/flotilla/pki/agent.key',
    'FLOTILLA_ETCD_USERNAME=flotilla-agent',
    'FLOTILLA_ETCD_PASSWORD_FILE=/etc/flotilla/pki/agent.password',
  ];

  test.each<[string, NodeSpec, string[]]>([
    ['https etcd: the PKI\'s certificate and etcd user', secureWorker(), ETCD_TLS],
    ['explicit http etcd: neither', worker(), []],
    ['certificate files of your own: those, no user', secureWorker({ tls: { caFile: '/ssl/ca.pem', certFile: '/ssl/c.pem', keyFile: '/ssl/k.pem' } }),
      ['FLOTILLA_ETCD_CA_FILE=/ssl/ca.pem', 'FLOTILLA_ETCD_CERT_FILE=/ssl/c.pem', 'FLOTILLA_ETCD_KEY_FILE=/ssl/k.pem']],
    ['a TCP API: the PKI\'s token, TLS and client CA', secureWorker({ apiListen: '0.0.0.0:54728' }), [...ETCD_TLS,
      'FLOTILLA_API_LISTEN=0.0.0.0:54728', 'FLOTILLA_API_TOKEN_FILE=/etc/flotilla/pki/api.token', 'FLOTILLA_API_TLS_CERT=/etc/flotilla/pki/agent.pem',
      'FLOTILLA_API_TLS_KEY=/etc/flotilla/pki/agent.key', 'FLOTILLA_API_TLS_CA=/etc/flotilla/pki/ca.pem']],
    ['a TCP API asked to be insecure', secureWorker({ apiListen: ':54728', apiInsecure: true }), [...ETCD_TLS, 'FLOTILLA_API_LISTEN=:54728', 'FLOTILLA_API_INSECURE=1']],
  ])('%s', (_name, spec, lines) => {
    expect(env(spec)).toEqual(lines);
  });

  test('a master with explicit http etcd runs it plain, without the auth set-up', () => {
    const plan = planNode({ role: 'master', etcdEndpoints: ['http://127.0.0.1:2379'], metadata: {} });
    expect(plan.units.map((u) => u.name)).toEqual(['etcd.service', 'flotilla-agent.service']);
    expect(plan.units[0]!.content).toContain('--listen-client-urls http://0.0.0.0:2379');
    expect(plan.units[0]!.content).not.toContain('ETCD_CLIENT_CERT_AUTH');
  });

  test.each<[string, NodeSpec, boolean]>([
    ['a secure worker (the cluster PKI)', { role: 'worker', etcdEndpoints: ['https://m:2379'], metadata: {} }, true],
    ['a worker with certificate files of its own', { role: 'worker', etcdEndpoints: ['https://m:2379'], metadata: {}, tls: { caFile: '/ssl/ca.pem' } }, false],
    ['a plain-HTTP worker', { role: 'worker', etcdEndpoints: ['http://m:2379'], metadata: {} }, false],
  ])('engines trust the image registry through the cluster CA: %s → %s', (_name, spec, trusted) => {
    const unit = planNode(spec).units.find((u) => u.name === 'flotilla-registry-trust.service');
    expect(unit !== undefined).toBe(trusted);
    if (!unit) return;
    for (const dir of ['/etc/docker/certs.d/registry.flotilla:5000', '/etc/containers/certs.d/registry.flotilla:5000']) {
      expect(unit.content).toContain(`ln -sfn /etc/flotilla/pki/ca.pem ${dir}/ca.crt`);
      expect(unit.content).toContain(`ln -sfn /etc/flotilla/pki/agent.pem ${dir}/client.cert`);
      expect(unit.content).toContain(`ln -sfn /etc/flotilla/pki/agent.key ${dir}/client.key`);
    }
    expect(unit.content).not.toMatch(/insecure/i);
  });

  test('the master\'s etcd requires client and peer certificates', () => {
    const unit = planNode({ role: 'master', etcdEndpoints: [], metadata: {} }).units[0]!.content;
    for (const line of ['ETCD_CLIENT_CERT_AUTH=true', 'ETCD_PEER_CLIENT_CERT_AUTH=true', 'ETCD_TRUSTED_CA_FILE=/etc/flotilla/pki/ca.pem', 'ETCD_PEER_TRUSTED_CA_FILE=/etc/flotilla/pki/ca.pem']) {
      expect(unit).toContain(`Environment=${line}\n`);
    }
    expect(unit).toContain('--listen-client-urls https://0.0.0.0:2379 --advertise-client-urls https://$$ip:2379 --listen-peer-urls https://$$ip:2380');
  });

  test('the master\'s etcd runs with the quota, compaction and transaction size the registry is built for', () => {
    const unit = planNode({ role: 'master', etcdEndpoints: [], metadata: {} }).units[0]!.content;
    expect(unit).toContain(' --quota-backend-bytes=8589934592 --auto-compaction-mode=periodic --auto-compaction-retention=1h --max-txn-ops=512\'');
    // The registry's own transactions stay within etcd's default; the leader's are packed to what the daemon is told.
    expect(ETCD_MAX_TXN_OPS).toBeGreaterThanOrEqual(MAX_TXN_OPS);
  });

  test('a node that may lead is told the etcd\'s --max-txn-ops; one that never leads is not', () => {
    const env = (spec: Parameters<typeof planNode>[0]) => planNode(spec).files[0]!.content;
    expect(env({ role: 'master', etcdEndpoints: [], metadata: {} })).toContain(`FLOTILLA_ETCD_MAX_TXN_OPS=${ETCD_MAX_TXN_OPS}\n`);
    expect(env({ role: 'worker', etcdEndpoints: ['https://master:2379'], metadata: {} })).not.toContain('FLOTILLA_ETCD_MAX_TXN_OPS');
  });

  test('the PKI files are embedded 0600 under /etc/flotilla/pki', () => {
    const plan = planNode(secureWorker({ pki: { 'ca.pem': 'CA', 'agent.key': 'KEY' } }));
    expect(plan.files.slice(1)).toEqual([
      { path: '/etc/flotilla/pki/ca.pem', content: 'CA', mode: 0o600 },
      { path: '/etc/flotilla/pki/agent.key', content: 'KEY', mode: 0o600 },
    ]);
  });
});

describe('one plan, three formats', () => {
  test.each([
    ['worker', worker({ metadata: { zone: 'a' } })],
    ['master with hostname', { role: 'master', etcdEndpoints: [], metadata: {}, hostname: 'm1' } satisfies NodeSpec],
    ['worker with TLS', worker({ tls: { caFile: '/etc/ssl/ca.pem', certFile: '/etc/ssl/c.pem', keyFile: '/etc/ssl/k.pem' } })],
    ['secure master with its PKI and API', { role: 'master', etcdEndpoints: [], metadata: {}, apiListen: '0.0.0.0:54728', pki: { 'ca.pem': '-----BEGIN CERTIFICATE-----\nAB+/=\n-----END CERTIFICATE-----\n' } } satisfies NodeSpec],
  ])('%s: Butane renders to the same Ignition, cloud-config parses back to the plan', (_name, spec) => {
    const plan = planNode(spec);
    expect(butaneToIgnition(toButane(plan))).toEqual(toIgnition(plan));
    const parsed = parseCloudConfig(toCloudConfig(plan));
    expect(parsed.warnings).toEqual([]);
    expect(parsed.hostname).toBe(plan.hostname);
    expect(parsed.files).toEqual(plan.files);
    expect(parsed.units).toEqual(plan.units.map((u) => ({ name: u.name, content: u.content, enable: true, command: 'start', runtime: false })));
  });

  test('Ignition file contents are data URLs of the exact text', () => {
    const ign = toIgnition(planNode(worker()));
    const source = ign.storage.files[0]!.contents.source;
    expect(decodeURIComponent(source.slice('data:,'.length))).toBe(planNode(worker()).files[0]!.content);
  });
});

describe('the files we ship are what the renderer makes', () => {
  const shipped = path.resolve(__dirname, '../../../../cloud-config');
  test.each([
    ['master.yaml', toCloudConfig(planNode({ role: 'master', etcdEndpoints: [], metadata: {} }))],
    ['worker.yaml', toCloudConfig(planNode(worker({ etcdEndpoints: ['https://master:2379'] })))],
    ['master.bu', toButane(planNode({ role: 'master', etcdEndpoints: [], metadata: {} }))],
    ['worker.bu', toButane(planNode(worker({ etcdEndpoints: ['https://master:2379'] })))],
  ])('cloud-config/%s', (file, rendered) => {
    expect(fs.readFileSync(path.join(shipped, file), 'utf8')).toBe(rendered);
  });
});

describe('parseCloudConfig errors name file and line', () => {
  test.each([
    ['no header', 'hostname: a\n', 'f.yaml:1: must start with "#cloud-config"'],
    ['bad YAML', '#cloud-config\nhostname: [a\n', 'f.yaml:'],
    ['write_files not a list', '#cloud-config\nwrite_files: 3\n', 'f.yaml:2: write_files must be a list'],
    ['relative path', '#cloud-config\nwrite_files:\n  - path: etc/x\n    content: a\n', 'f.yaml:3: path "etc/x" must be absolute'],
    ['path with ..', '#cloud-config\nwrite_files:\n  - path: /etc/../x\n', 'f.yaml:3: path "/etc/../x" must be absolute without ".."'],
    ['bad permissions', '#cloud-config\nwrite_files:\n  - path: /x\n    permissions: "999"\n', 'f.yaml:4: permissions "999" must be octal'],
    ['encoding', '#cloud-config\nwrite_files:\n  - path: /x\n    encoding: b64\n', 'f.yaml:4: encoding is not supported'],
    ['unit name with a slash', '#cloud-config\ncoreos:\n  units:\n    - name: ../x.service\n', 'f.yaml:4: "../x.service" is not a valid unit name'],
    ['unknown command', '#cloud-config\ncoreos:\n  units:\n    - name: a.service\n      command: explode\n', 'f.yaml:5: unknown command "explode"'],
    ['enable not boolean', '#cloud-config\ncoreos:\n  units:\n    - name: a.service\n      enable: "yes"\n', 'f.yaml:5: enable must be true or false'],
    ['duplicate key', '#cloud-config\nhostname: a\nhostname: b\n', 'f.yaml:3:'],
  ])('%s', (_name, text, message) => {
    expect(() => parseCloudConfig(text, 'f.yaml')).toThrow(message);
  });

  test('unknown keys are warnings, as coreos-cloudinit did', () => {
    const parsed = parseCloudConfig('#cloud-config\nusers: []\ncoreos:\n  etcd2: {}\n', 'f.yaml');
    expect(parsed.warnings).toEqual(['f.yaml:2: unrecognized key "users" ignored', 'f.yaml:4: coreos.etcd2 is not applied by Flotilla\'s applier']);
  });
});

describe('butaneToIgnition refuses what it would drop', () => {
  test.each([
    ['other variant', 'variant: flatcar\nversion: 1.0.0\n', 'x.bu:1: only variant fcos version 1.4.0'],
    ['passwd section', 'variant: fcos\nversion: 1.4.0\npasswd: {}\n', 'x.bu:3: "passwd" is not supported'],
    ['remote contents', 'variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        source: http://x\n', 'x.bu:7: only contents.inline is supported'],
  ])('%s', (_name, text, message) => {
    expect(() => butaneToIgnition(text, 'x.bu')).toThrow(message);
  });
});

describe('applying a cloud-config', () => {
  const config = parseCloudConfig(
    '#cloud-config\nhostname: n1\nwrite_files:\n  - path: /etc/app.conf\n    permissions: "0600"\n    content: "ip=$private_ipv4\\n"\ncoreos:\n  units:\n    - name: app.service\n      enable: true\n      command: start\n      content: "[Service]\\nExecStart=/bin/true\\n"\n',
  );

  test('steps: files with substitutions, unit files, one reload, enable, then --no-block commands', () => {
    expect(planApply(config, { privateIpv4: '10.1.2.3' })).toEqual([
      { kind: 'hostname', name: 'n1' },
      { kind: 'write', path: '/etc/app.conf', content: 'ip=10.1.2.3\n', mode: 0o600 },
      { kind: 'write', path: '/etc/systemd/system/app.service', content: '[Service]\nExecStart=/bin/true\n', mode: 0o644 },
      { kind: 'systemctl', args: ['daemon-reload'] },
      { kind: 'systemctl', args: ['enable', 'app.service'] },
      { kind: 'systemctl', args: ['--no-block', 'start', 'app.service'] },
    ]);
  });

  test('under --root, files land with their modes and nothing else runs', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-cloudinit-'));
    try {
      await runApplySteps(planApply(config, { privateIpv4: '10.1.2.3' }), { root });
      expect(fs.readFileSync(path.join(root, 'etc/app.conf'), 'utf8')).toBe('ip=10.1.2.3\n');
      expect(fs.statSync(path.join(root, 'etc/app.conf')).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(path.join(root, 'etc/hostname'), 'utf8')).toBe('n1\n');
      expect(fs.existsSync(path.join(root, 'etc/systemd/system/app.service'))).toBe(true);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('Ignition output is valid for Ignition itself', () => {
  test.each([
    ['master', planNode({ role: 'master', etcdEndpoints: [], metadata: {}, hostname: 'm1' })],
    ['worker', planNode(worker())],
    ['secure worker with its PKI', planNode(worker({ etcdEndpoints: ['https://master:2379'], pki: { 'ca.pem': 'CA\n', 'agent.key': 'KEY\n' } }))],
  ])('ignition-validate accepts the %s config', async (_name, plan) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ign-'));
    try {
      const file = path.join(dir, 'config.ign');
      fs.writeFileSync(file, JSON.stringify(toIgnition(plan)));
      const { execFileSync } = await import('node:child_process');
      expect(execFileSync('ignition-validate', [file], { encoding: 'utf8' })).toBe('');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
