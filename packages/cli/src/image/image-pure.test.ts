/** The pure parts of `flotilla image`: references, manifests, the registry's error bodies, tar reading, progress lines. */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { IMAGE_CONFIG, LAYER_GZIP, MANIFEST_V2, buildManifest, checkImageConfig, parseArchiveManifest } from './manifest.js';
import { plainLine, progressPrinter } from './progress.js';
import { formatReference, parseImageReference, sameImage } from './reference.js';
import { nextLink, registryReason } from './registry-client.js';
import { indexTar, parsePax, resolveEntry } from './tar-index.js';

describe('parseImageReference', () => {
  test.each<[string, string | undefined, string, string]>([
    ['fl/web:1', undefined, 'fl/web', '1'],
    ['web', undefined, 'web', 'latest'],
    ['localhost/fl/web:1', 'localhost', 'fl/web', '1'],
    ['registry.flotilla:5000/fl/web:v1.2-rc_3', 'registry.flotilla:5000', 'fl/web', 'v1.2-rc_3'],
    ['docker.io/library/busybox', 'docker.io', 'library/busybox', 'latest'],
    ['ab__c-d/e.f', undefined, 'ab__c-d/e.f', 'latest'],
    ['localhost:5000/x:y', 'localhost:5000', 'x', 'y'],
  ])('%s', (text, registry, repository, tag) => {
    const ref = parseImageReference(text);
    expect(ref).toEqual({ ...(registry === undefined ? {} : { registry }), repository, tag });
  });

  test.each<[string, RegExp]>([
    ['fl/web:Bad!', /tag "Bad!" is not a valid tag/],
    ['fl/web:-x', /tag "-x"/],
    [`fl/web:${'a'.repeat(129)}`, /is not a valid tag/],
    ['Fl/Web:1', /lower-case components/],
    ['fl//web', /lower-case components/],
    ['fl/web@sha256:abc', /digest references are not supported/],
    ['fl/web:', /tag "" is not a valid tag/],
  ])('refuses %s', (text, why) => {
    expect(() => parseImageReference(text)).toThrow(why);
    try {
      parseImageReference(text);
    } catch (err) {
      expect((err as { code: string }).code).toBe('IMAGE_REFERENCE_INVALID');
      expect((err as Error).message).toContain(`image "${text}"`);
    }
  });

  test.each<[string, string, boolean]>([
    ['fl/web:1', 'localhost/fl/web:1', true],
    ['fl/web:1', 'docker.io/fl/web:1', true],
    ['busybox:1', 'docker.io/library/busybox:1', true],
    ['fl/web:1', 'fl/web:2', false],
    ['fl/web:1', 'quay.io/fl/web:1', false],
  ])('sameImage(%s, %s) = %s', (a, b, same) => {
    expect(sameImage(parseImageReference(a), parseImageReference(b))).toBe(same);
  });

  test('formatReference puts the registry back', () => {
    expect(formatReference({ registry: 'registry.flotilla:5000', repository: 'fl/web', tag: '1' })).toBe('registry.flotilla:5000/fl/web:1');
  });
});

describe('manifests', () => {
  test('schema 2: media types, config and layers in order, exact text', () => {
    const config = { mediaType: IMAGE_CONFIG, size: 2, digest: 'sha256:c' };
    const layers = [{ mediaType: LAYER_GZIP, size: 10, digest: 'sha256:a' }, { mediaType: LAYER_GZIP, size: 20, digest: 'sha256:b' }];
    expect(JSON.parse(buildManifest(config, layers))).toEqual({ schemaVersion: 2, mediaType: MANIFEST_V2, config, layers });
    expect(MANIFEST_V2).toBe('application/vnd.docker.distribution.manifest.v2+json');
  });

  test.each<[string, string, RegExp | { repoTags: string[]; config: string; layers: string[] }[]]>([
    ['docker 20 layout', '[{"Config":"abc.json","RepoTags":["fl/web:1"],"Layers":["d1/layer.tar"]}]', [{ repoTags: ['fl/web:1'], config: 'abc.json', layers: ['d1/layer.tar'] }]],
    ['saved by id: no RepoTags', '[{"Config":"blobs/sha256/c","RepoTags":null,"Layers":[]}]', [{ repoTags: [], config: 'blobs/sha256/c', layers: [] }]],
    ['not JSON', '{', /a.tar: manifest.json is not JSON/],
    ['empty list', '[]', /is not a non-empty list/],
    ['no Config', '[{"Layers":[]}]', /\[0\]\.Config is not a path/],
    ['Layers not strings', '[{"Config":"c","Layers":[1]}]', /\[0\]\.Layers is not a list of paths/],
  ])('archive manifest.json: %s', (_case, text, want) => {
    if (want instanceof RegExp) expect(() => parseArchiveManifest(text, 'a.tar')).toThrow(want);
    else expect(parseArchiveManifest(text, 'a.tar')).toEqual(want);
  });

  test.each<[string, string, number, RegExp | undefined]>([
    ['matching layers', '{"rootfs":{"diff_ids":["sha256:a"]}}', 1, undefined],
    ['fewer layers than the config says', '{"rootfs":{"diff_ids":["sha256:a","sha256:b"]}}', 1, /lists 2 layer\(s\), the archive holds 1/],
    ['no rootfs', '{}', 0, /no rootfs.diff_ids/],
  ])('image config: %s', (_case, text, layers, want) => {
    if (want) expect(() => checkImageConfig(text, layers, 'a.tar')).toThrow(want);
    else expect(() => checkImageConfig(text, layers, 'a.tar')).not.toThrow();
  });
});

describe('registry answers', () => {
  test.each<[number, string, string]>([
    [404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"Tag":"9"}}]}', 'HTTP 404 MANIFEST_UNKNOWN: manifest unknown ({"Tag":"9"})'],
    [400, '{"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]}', 'HTTP 400 DIGEST_INVALID: provided digest did not match uploaded content'],
    [503, 'upstream down', 'HTTP 503 upstream down'],
    [500, '', 'HTTP 500'],
  ])('registryReason(%d)', (status, body, want) => {
    expect(registryReason(status, Buffer.from(body))).toBe(want);
  });

  test.each<[string | undefined, string | undefined]>([
    ['</v2/_catalog?last=b&n=2>; rel="next"', '/v2/_catalog?last=b&n=2'],
    [undefined, undefined],
    ['<x>; rel="prev"', undefined],
  ])('nextLink(%s)', (header, want) => {
    expect(nextLink(header)).toBe(want);
  });
});

describe('tar index', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-tar-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const long = `${'d'.repeat(120)}/layer.tar`;

  /** An archive made by GNU tar (`--format`), indexed through a read function over its bytes. */
  let made = 0;
  function archive(format: string): Buffer {
    const src = path.join(dir, `${format}-${++made}`);
    fs.mkdirSync(path.join(src, 'd'.repeat(120)), { recursive: true });
    fs.writeFileSync(path.join(src, 'manifest.json'), '[1]');
    fs.writeFileSync(path.join(src, long), 'x'.repeat(1000));
    fs.writeFileSync(path.join(src, 'empty'), '');
    fs.mkdirSync(path.join(src, 'other'));
    fs.symlinkSync(`../${long}`, path.join(src, 'other/layer.tar'));
    const out = `${src}.tar`;
    execFileSync('tar', ['-C', src, `--format=${format}`, '-cf', out, 'manifest.json', 'd'.repeat(120), 'empty', 'other']);
    return fs.readFileSync(out);
  }

  test.each(['gnu', 'pax'])('%s format: names (long ones too), offsets, sizes, links', (format) => {
    const buf = archive(format);
    const entries = indexTar((o, l) => buf.subarray(o, o + l), buf.length);
    const file = (name: string) => {
      const e = resolveEntry(entries, name);
      return e && buf.subarray(e.offset, e.offset + e.size).toString();
    };
    expect(file('manifest.json')).toBe('[1]');
    expect(file(long)).toBe('x'.repeat(1000));
    expect(file('empty')).toBe('');
    expect(file('other/layer.tar')).toBe('x'.repeat(1000)); // a symlink to another layer, as docker save writes
    expect(file('missing')).toBeUndefined();
  });

  test.each<[string, Buffer, RegExp]>([
    ['not a tar', Buffer.alloc(1024, 7), /bad checksum/],
  ])('refuses %s', (_case, buf, why) => {
    expect(() => indexTar((o, l) => buf.subarray(o, o + l), buf.length)).toThrow(why);
  });

  test('a truncated archive names the entry whose data is missing', () => {
    const buf = archive('gnu');
    const layer = resolveEntry(indexTar((o, l) => buf.subarray(o, o + l), buf.length), long)!;
    const cut = buf.subarray(0, layer.offset + 512); // the layer's 1000 bytes, cut after 512
    expect(() => indexTar((o, l) => cut.subarray(o, o + l), cut.length)).toThrow(/past the end of the archive/);
  });

  test('pax records', () => {
    const record = (kv: string) => {
      let len = kv.length + 3;
      while (`${len} ${kv}\n`.length !== len) len++;
      return `${len} ${kv}\n`;
    };
    expect(parsePax(Buffer.from(record('path=a/b/c.tar') + record('linkpath=../x/y')))).toEqual({ path: 'a/b/c.tar', linkpath: '../x/y' });
  });
});

describe('progress lines without a terminal', () => {
  const blob = { kind: 'blob' as const, index: 0, count: 2, what: 'layer' as const, digest: `sha256:${'a'.repeat(64)}`, size: 3 * 1024 * 1024 };
  test.each([
    [{ ...blob, state: 'pushing' as const, sent: 0 }, 'layer 1/2 sha256:aaaaaaaaaaaa (3.0 MB): pushing\n'],
    [{ ...blob, state: 'pushing' as const, sent: 10 }, undefined],
    [{ ...blob, state: 'pushed' as const, sent: blob.size }, 'layer 1/2 sha256:aaaaaaaaaaaa (3.0 MB): pushed\n'],
    [{ ...blob, state: 'exists' as const, sent: 0 }, 'layer 1/2 sha256:aaaaaaaaaaaa (3.0 MB): already in the registry\n'],
  ])('%o', (event, line) => {
    expect(plainLine(event)).toBe(line);
  });
});

describe('progress on a terminal', () => {
  const blob = { kind: 'blob' as const, index: 1, count: 2, what: 'config' as const, digest: `sha256:${'b'.repeat(64)}`, size: 2 * 1024 * 1024 };
  test('one line per blob, redrawn at most every 100 ms, ended when pushed', () => {
    let out = '';
    let clock = 0;
    const print = progressPrinter((t) => (out += t), true, () => clock);
    print({ ...blob, state: 'pushing', sent: 0 });
    clock = 50;
    print({ ...blob, state: 'pushing', sent: 1024 * 1024 }); // too soon: not drawn
    clock = 150;
    print({ ...blob, state: 'pushing', sent: 1024 * 1024 });
    print({ ...blob, state: 'pushed', sent: blob.size });
    const head = 'config 2/2 sha256:bbbbbbbbbbbb (2.0 MB)';
    expect(out).toBe(`\r\x1b[K${head}: 0.0 MB 0%\r\x1b[K${head}: 1.0 MB 50%\r\x1b[K${head}: pushed\n`);
  });
});
