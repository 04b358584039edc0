/**
 * `flotilla pki`: the files and their modes, what openssl reads back from each certificate (SANs, usages, no
 * CommonName on client certificates), that every key is its certificate's own, and idempotence: a second run
 * changes nothing, a removed pair is reissued from the same CA, half a pair is refused. Real openssl.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { nodeBundle } from './bundle.js';
import { initPki, issueNodeCertificate } from './init.js';
import { missingSans, nodeFiles, subjectAltNames } from './layout.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-pki-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
let serial = 0;
const freshDir = () => path.join(root, `pki-${++serial}`);

const ALL_FILES = [
  'agent.key', 'agent.password', 'agent.pem', 'api.token', 'ca.key', 'ca.pem', 'cli.key', 'cli.password', 'cli.pem',
  'etcd-peer.key', 'etcd-peer.pem', 'etcd-server.key', 'etcd-server.pem', 'registry.key', 'registry.pem', 'root.password',
];

function text(dir: string, cert: string): string {
  return execFileSync('openssl', ['x509', '-in', path.join(dir, cert), '-noout', '-text'], { encoding: 'utf8' });
}
/** The line after an extension's header in `openssl x509 -text`. */
function extension(dump: string, name: string): string | undefined {
  const lines = dump.split('\n');
  const at = lines.findIndex((l) => l.trim().startsWith(`${name}:`));
  return at < 0 ? undefined : lines[at + 1]?.trim();
}
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f !== 'nodes').map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe('pki init', () => {
  const dir = freshDir();
  const report = initPki(dir, { hosts: ['master', '10.0.0.2'] });

  test('makes every file, the directory 0700 and each file 0600', () => {
    expect([...report.created].sort()).toEqual(ALL_FILES);
    expect(report.reused).toEqual([]);
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    expect(Object.fromEntries(ALL_FILES.map((f) => [f, fs.statSync(path.join(dir, f)).mode & 0o777]))).toEqual(
      Object.fromEntries(ALL_FILES.map((f) => [f, 0o600])),
    );
    expect(fs.readdirSync(dir).sort()).toEqual(ALL_FILES); // no scratch left behind
  });

  test.each([
    ['etcd-server.pem', 'CN = etcd-server', 'DNS:localhost, IP Address:127.0.0.1, DNS:master, IP Address:10.0.0.2', 'TLS Web Server Authentication, TLS Web Client Authentication'],
    ['etcd-peer.pem', 'CN = etcd-peer', 'DNS:localhost, IP Address:127.0.0.1, DNS:master, IP Address:10.0.0.2', 'TLS Web Server Authentication, TLS Web Client Authentication'],
    ['agent.pem', 'O = Flotilla, OU = flotilla-agent', 'DNS:localhost, IP Address:127.0.0.1, DNS:master, IP Address:10.0.0.2', 'TLS Web Server Authentication, TLS Web Client Authentication'],
    ['cli.pem', 'O = Flotilla, OU = flotilla-cli', undefined, 'TLS Web Client Authentication'],
    // The registry's name only: it is reached by that name wherever it runs, never by a --host.
    ['registry.pem', 'CN = registry', 'DNS:localhost, IP Address:127.0.0.1, DNS:registry.flotilla', 'TLS Web Server Authentication, TLS Web Client Authentication'],
  ])('%s: subject, SANs and usages read back with openssl x509 -text', (cert, subject, sans, usages) => {
    const dump = text(dir, cert);
    expect(dump).toMatch(new RegExp(`Subject: .*${subject}`));
    expect(extension(dump, 'X509v3 Subject Alternative Name')).toBe(sans);
    expect(extension(dump, 'X509v3 Extended Key Usage')).toBe(usages);
    expect(execFileSync('openssl', ['verify', '-CAfile', path.join(dir, 'ca.pem'), path.join(dir, cert)], { encoding: 'utf8' })).toBe(`${path.join(dir, cert)}: OK\n`);
  });

  test('client certificates carry no CommonName (etcd\'s gateway refuses those), the CA is a CA', () => {
    for (const cert of ['agent.pem', 'cli.pem']) expect(new crypto.X509Certificate(fs.readFileSync(path.join(dir, cert))).subject).not.toMatch(/CN=/);
    expect(extension(text(dir, 'ca.pem'), 'X509v3 Basic Constraints')).toBe('CA:TRUE, pathlen:0');
  });

  test('every key is its own certificate\'s, and no two are the same', () => {
    const stems = ['ca', 'etcd-server', 'etcd-peer', 'agent', 'cli'];
    for (const stem of stems) {
      const cert = new crypto.X509Certificate(fs.readFileSync(path.join(dir, `${stem}.pem`)));
      expect(cert.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(path.join(dir, `${stem}.key`)))), stem).toBe(true);
    }
    expect(new Set(stems.map((s) => fs.readFileSync(path.join(dir, `${s}.key`), 'utf8'))).size).toBe(stems.length);
  });

  test('secrets are random and distinct', () => {
    const secrets = ['root.password', 'agent.password', 'cli.password', 'api.token'].map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    expect(secrets.map((s) => /^[A-Za-z0-9_-]{32,64}\n$/.test(s))).toEqual([true, true, true, true]);
    expect(new Set(secrets).size).toBe(4);
  });

  test('a second run keeps everything as it is', () => {
    const before = snapshot(dir);
    const again = initPki(dir, { hosts: ['master', '10.0.0.2'] });
    expect(again.created).toEqual([]);
    expect([...again.reused].sort()).toEqual(ALL_FILES);
    expect(again.warnings).toEqual([]);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a host the kept certificates lack is a warning, not a new certificate', () => {
    const before = snapshot(dir);
    const again = initPki(dir, { hosts: ['master', '10.0.0.9'] });
    expect(again.created).toEqual([]);
    expect(again.warnings).toEqual(['etcd-server', 'etcd-peer', 'agent'].map(
      (s) => `${s}.pem is kept but does not cover IP:10.0.0.9: remove ${s}.pem and ${s}.key and run again to reissue it`,
    ));
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('pki init completes and refuses', () => {
  test('a removed pair is reissued from the same CA; nothing else changes', () => {
    const dir = freshDir();
    initPki(dir, { hosts: ['10.0.0.2'] });
    const before = snapshot(dir);
    fs.rmSync(path.join(dir, 'etcd-server.pem'));
    fs.rmSync(path.join(dir, 'etcd-server.key'));
    const again = initPki(dir, { hosts: ['10.0.0.2', '10.0.0.3'] });
    expect(again.created).toEqual(['etcd-server.key', 'etcd-server.pem']);
    const after = snapshot(dir);
    expect(after['etcd-server.pem']).not.toBe(before['etcd-server.pem']);
    expect({ ...after, 'etcd-server.pem': '', 'etcd-server.key': '' }).toEqual({ ...before, 'etcd-server.pem': '', 'etcd-server.key': '' });
    expect(extension(text(dir, 'etcd-server.pem'), 'X509v3 Subject Alternative Name')).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:10.0.0.2, IP Address:10.0.0.3');
  });

  test.each([
    ['a certificate without its key', 'agent.key', /agent\.pem exists without .*agent\.key/],
    ['a CA key without its certificate', 'ca.pem', /ca\.key exists without .*ca\.pem/],
  ])('%s is refused and nothing is written', (_name, remove, message) => {
    const dir = freshDir();
    initPki(dir);
    fs.rmSync(path.join(dir, remove));
    const before = snapshot(dir);
    expect(() => initPki(dir)).toThrow(message);
    expect(snapshot(dir)).toEqual(before);
  });

  test('a certificate from another CA is refused', () => {
    const [a, b] = [freshDir(), freshDir()];
    initPki(a);
    initPki(b);
    fs.copyFileSync(path.join(b, 'cli.pem'), path.join(a, 'cli.pem'));
    expect(() => initPki(a)).toThrow(/cli\.pem was not issued by .*ca\.pem/);
  });

  test('loose modes are tightened, with a warning', () => {
    const dir = freshDir();
    initPki(dir);
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(path.join(dir, 'api.token'), 0o644);
    const again = initPki(dir);
    expect(again.warnings).toEqual([`${dir} was mode 0755; now 0700`, 'api.token was mode 0644; now 0600']);
    expect([fs.statSync(dir).mode & 0o777, fs.statSync(path.join(dir, 'api.token')).mode & 0o777]).toEqual([0o700, 0o600]);
  });
});

describe('pki issue', () => {
  test('a node certificate with its own names, from the CA; kept on a second run', () => {
    const dir = freshDir();
    initPki(dir);
    expect(issueNodeCertificate(dir, 'w1', ['10.0.0.11']).created).toEqual(['nodes/w1.key', 'nodes/w1.pem']);
    expect(fs.statSync(path.join(dir, 'nodes')).mode & 0o777).toBe(0o700);
    expect(extension(text(dir, 'nodes/w1.pem'), 'X509v3 Subject Alternative Name')).toBe('DNS:localhost, IP Address:127.0.0.1, DNS:w1, IP Address:10.0.0.11');
    expect(issueNodeCertificate(dir, 'w1', ['10.0.0.11']).created).toEqual([]);
    // cloud-config --hostname w1 embeds it as the node's agent certificate.
    expect(nodeBundle(dir, 'worker', 'w1')['agent.pem']).toBe(fs.readFileSync(path.join(dir, 'nodes/w1.pem'), 'utf8'));
    expect(nodeBundle(dir, 'worker', 'w2')['agent.pem']).toBe(fs.readFileSync(path.join(dir, 'agent.pem'), 'utf8'));
  });

  test('a directory given relative to the working directory (openssl runs elsewhere)', () => {
    const relative = path.relative(process.cwd(), freshDir());
    expect(path.isAbsolute(relative)).toBe(false);
    expect(initPki(relative).created).toContain('ca.pem');
    expect(issueNodeCertificate(relative, 'w1', []).created).toEqual(['nodes/w1.key', 'nodes/w1.pem']);
  });

  test.each([
    ['without a CA', (dir: string) => issueNodeCertificate(dir, 'w1', []), /ca\.key does not exist/],
    ['a bad node name', (dir: string) => (initPki(dir), issueNodeCertificate(dir, '../x', [])), '--name: "../x" is not a valid node name'],
    ['a bad host', (dir: string) => initPki(dir, { hosts: ['a b'] }), '--host: "a b" is neither an IP address nor a host name'],
  ])('refuses %s', (_name, act, message) => {
    expect(() => act(freshDir())).toThrow(message);
  });
});

describe('layout (pure)', () => {
  test.each([
    ['none', [], ['DNS:localhost', 'IP:127.0.0.1']],
    ['names and IPs, deduplicated, lower case', ['Master', '10.0.0.2', 'master', '::1'], ['DNS:localhost', 'IP:127.0.0.1', 'DNS:master', 'IP:10.0.0.2', 'IP:::1']],
  ])('subjectAltNames: %s', (_name, hosts, want) => {
    expect(subjectAltNames(hosts)).toEqual(want);
  });

  test.each([
    ['all there', 'DNS:localhost, IP Address:127.0.0.1', ['DNS:localhost', 'IP:127.0.0.1'], []],
    ['one missing', 'DNS:localhost', ['DNS:localhost', 'IP:127.0.0.1'], ['IP:127.0.0.1']],
    ['no SAN extension', undefined, ['DNS:a'], ['DNS:a']],
  ])('missingSans: %s', (_name, have, want, missing) => {
    expect(missingSans(have, want)).toEqual(missing);
  });

  test('a worker gets no etcd server keys and no root password; a master does', () => {
    expect(nodeFiles('worker')).toEqual(['ca.pem', 'agent.pem', 'agent.key', 'agent.password', 'api.token', 'registry.pem', 'registry.key']);
    expect(nodeFiles('master')).toEqual(['ca.pem', 'agent.pem', 'agent.key', 'agent.password', 'api.token', 'registry.pem', 'registry.key',
      'etcd-server.pem', 'etcd-server.key', 'etcd-peer.pem', 'etcd-peer.key', 'root.password', 'cli.password']);
  });
});
