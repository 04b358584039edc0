/**
 * The etcd token cache's file: private modes, one entry per endpoints + user + password, nothing trusted that
 * others could read or write, and never an error. What the transport does with it (reuse, rejection, renewal) is
 * tested against a real etcd in core's registry/transport.test.ts and, through the CLI, in
 * commands/cli-etcd-security.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { entryId, openTokenCache, parseTokenCache, pruneEntries } from './etcd-token-cache.js';

const auth = { username: 'flotilla-cli', password: 's3cret' };
const endpoints = ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'];
let dir: string;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-token-cache-'));
  file = path.join(dir, 'cache', 'flotilla', 'etcd-tokens');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe('openTokenCache', () => {
  test('a saved token is written to a 0600 file in a 0700 directory, without the password, and loaded back', () => {
    openTokenCache(file, endpoints, auth).save('abcDEF.42');
    expect(mode(file)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('abcDEF.42');
    expect(text).not.toContain('s3cret');
    expect(openTokenCache(file, endpoints, auth).load()).toBe('abcDEF.42');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['etcd-tokens']);
  });

  test('one entry per endpoints + user + password: the same endpoints in another order share it', () => {
    openTokenCache(file, endpoints, auth).save('first.1');
    openTokenCache(file, ['https://other:2379'], auth).save('other.2');
    expect(openTokenCache(file, [...endpoints].reverse(), auth).load()).toBe('first.1');
    expect(openTokenCache(file, ['https://other:2379'], auth).load()).toBe('other.2');
    expect(openTokenCache(file, endpoints, { ...auth, password: 'changed' }).load()).toBeUndefined();
    expect(openTokenCache(file, endpoints, { ...auth, username: 'root' }).load()).toBeUndefined();
  });

  test('a new token for the same credentials replaces the old one', () => {
    openTokenCache(file, endpoints, auth).save('old.1');
    openTokenCache(file, endpoints, auth).save('new.9');
    expect(openTokenCache(file, endpoints, auth).load()).toBe('new.9');
    expect(Object.keys(parseTokenCache(fs.readFileSync(file, 'utf8'))!.entries)).toHaveLength(1);
  });

  test('a file others may read is not trusted: nothing is loaded from it, and the next save makes it private again', () => {
    openTokenCache(file, endpoints, auth).save('abc.1');
    fs.chmodSync(file, 0o644);
    fs.chmodSync(path.dirname(file), 0o755);
    expect(openTokenCache(file, endpoints, auth).load()).toBeUndefined();
    openTokenCache(file, endpoints, auth).save('abc.2');
    expect([mode(file), mode(path.dirname(file))]).toEqual([0o600, 0o700]);
    expect(openTokenCache(file, endpoints, auth).load()).toBe('abc.2');
  });

  test('a malformed file loads nothing and is replaced by the next save', () => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, '{"version":1,"salt":', { mode: 0o600 });
    expect(openTokenCache(file, endpoints, auth).load()).toBeUndefined();
    openTokenCache(file, endpoints, auth).save('abc.3');
    expect(openTokenCache(file, endpoints, auth).load()).toBe('abc.3');
  });

  test('a cache directory that cannot be made (a file in its place): save does not throw, load finds nothing', () => {
    fs.writeFileSync(path.join(dir, 'cache'), 'not a directory');
    expect(() => openTokenCache(file, endpoints, auth).save('abc.4')).not.toThrow();
    expect(openTokenCache(file, endpoints, auth).load()).toBeUndefined();
  });

  test('an entry older than a day is not used', () => {
    let now = 1_000_000_000_000;
    openTokenCache(file, endpoints, auth, () => now).save('abc.5');
    now += 24 * 3600_000;
    expect(openTokenCache(file, endpoints, auth, () => now).load()).toBeUndefined();
  });
});

describe('the file', () => {
  test('parseTokenCache keeps well-formed entries only, and refuses another version', () => {
    const text = JSON.stringify({ version: 1, salt: 's', entries: { a: { token: 't.1', savedAt: 5 }, b: { token: 7 }, c: null } });
    expect(parseTokenCache(text)).toEqual({ version: 1, salt: 's', entries: { a: { token: 't.1', savedAt: 5 } } });
    expect(parseTokenCache(JSON.stringify({ version: 2, salt: 's', entries: {} }))).toBeUndefined();
    expect(parseTokenCache('null')).toBeUndefined();
  });

  test('pruneEntries keeps the 16 newest of the last day', () => {
    const now = 10 * 24 * 3600_000;
    const entries = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`e${i}`, { token: `t.${i}`, savedAt: now - i * 1000 }]));
    entries.old = { token: 'old.1', savedAt: now - 24 * 3600_000 };
    expect(Object.keys(pruneEntries(entries, now))).toEqual(Array.from({ length: 16 }, (_, i) => `e${i}`));
  });

  test('entry ids depend on the salt: the same credentials file differently in two caches', () => {
    expect(entryId('a', endpoints, auth)).not.toBe(entryId('b', endpoints, auth));
    expect(entryId('a', endpoints, auth)).toMatch(/^[0-9a-f]{64}$/);
  });
});
