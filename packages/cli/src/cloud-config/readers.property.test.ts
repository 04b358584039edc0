/**
 * Properties of the node-config readers over generated input (test/support/config-fuzz.ts; fast-check shrinks a
 * failure to a small case): they return a well-typed result or throw CloudConfigError at a line of the input
 * with a message that explains itself, within bounded time; unknown Butane keys are refused at any depth; a
 * file mode is what the text says, or refused. `npm run bench -- fuzz-config` runs many more inputs.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { configText, judgeConfigRead, type ConfigKind } from '../../../../test/support/config-fuzz.js';
import { butaneToIgnition } from './parse-butane.js';
import { CloudConfigError, parseCloudConfig } from './parse-cloud-config.js';

const RUNS = 300;
/** Far above what any input here takes (deep nesting is the slowest, ~0.3 s under load): a hang or blow-up. */
const SLOW_MS = 3_000;

describe.each(['cloud-config', 'butane'] as ConfigKind[])('%s reader', (kind) => {
  test('returns a well-typed result or a CloudConfigError naming file and line, in bounded time', () => {
    fc.assert(
      fc.property(configText(kind), (text) => {
        const { problems, ms } = judgeConfigRead(kind, text);
        expect(problems).toEqual([]);
        expect(ms).toBeLessThan(SLOW_MS);
      }),
      { numRuns: RUNS },
    );
  });
});

/** A Butane document with every supported key, as an object, so a key can be added at any mapping in it. */
function fullButane(): Record<string, unknown> {
  return {
    variant: 'fcos',
    version: '1.4.0',
    storage: { files: [{ path: '/etc/a', mode: 0o600, overwrite: true, contents: { inline: 'a' } }] },
    systemd: { units: [{ name: 'a.service', enabled: true, contents: '[Service]\nExecStart=/bin/true\n' }] },
  };
}

const MAPPINGS: ((doc: Record<string, unknown>) => Record<string, unknown>)[] = [
  (d) => d,
  (d) => d.storage as Record<string, unknown>,
  (d) => (d.storage as { files: Record<string, unknown>[] }).files[0]!,
  (d) => (d.storage as { files: { contents: Record<string, unknown> }[] }).files[0]!.contents,
  (d) => d.systemd as Record<string, unknown>,
  (d) => (d.systemd as { units: Record<string, unknown>[] }).units[0]!,
];
const KNOWN = new Set(['variant', 'version', 'storage', 'systemd', 'files', 'path', 'mode', 'overwrite', 'contents', 'inline', 'units', 'name', 'enabled']);

describe('Butane keys', () => {
  test('a key Flotilla does not apply is refused wherever it is, naming it and its line', () => {
    const key = fc.string({ minLength: 1, maxLength: 10, unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz_-') }).filter((k) => /^[a-z]/.test(k) && !KNOWN.has(k));
    fc.assert(
      fc.property(fc.nat({ max: MAPPINGS.length - 1 }), key, fc.jsonValue({ maxDepth: 1 }), (where, name, value) => {
        const doc = fullButane();
        MAPPINGS[where]!(doc)[name] = value;
        // Written for the reader's YAML 1.1, where `y`, `Y`, `on`… are booleans: a 1.2 writer leaves them unquoted,
        // and a generated {"Y": …, "y": …} then read as two `true` keys, refused earlier for that. A 1.1 writer
        // quotes them, the added key too.
        const text = stringify(doc, { version: '1.1' });
        const line = text.split('\n').findIndex((l) => l.trimStart().replace(/^- /, '').replace(/^"([^"]*)":/, '$1:').startsWith(`${name}:`)) + 1;
        expect(() => butaneToIgnition(text, 'x.bu')).toThrow(new RegExp(`^x\\.bu:${line}: .*${name}"? is not supported`));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('file modes', () => {
  const mode = fc.integer({ min: 0, max: 0o7777 });
  const written = (m: number) => fc.constantFrom(`0${m.toString(8)}`, `"0${m.toString(8)}"`, `${m.toString(8)}`, `0o${m.toString(8)}`, `0x${m.toString(16)}`, `${m}`, `${m}.0`);

  test('cloud-config permissions are the octal digits as written (coreos-cloudinit), or refused', () => {
    fc.assert(
      fc.property(mode.chain((m) => written(m)), (text) => {
        const yaml = `#cloud-config\nwrite_files:\n  - path: /etc/a\n    permissions: ${text}\n`;
        const digits = text.replace(/^"(.*)"$/, '$1');
        if (/^0?[0-7]{3,4}$/.test(digits)) expect(parseCloudConfig(yaml, 'f').files[0]!.mode).toBe(parseInt(digits, 8));
        else expect(() => parseCloudConfig(yaml, 'f')).toThrow(CloudConfigError);
      }),
      { numRuns: RUNS },
    );
  });

  test('a Butane mode is the YAML 1.1 integer written, never a string', () => {
    fc.assert(
      fc.property(mode, fc.nat({ max: 6 }), (m, form) => {
        const text = [`0${m.toString(8)}`, `"0${m.toString(8)}"`, `0o${m.toString(8)}`, `0x${m.toString(16)}`, `${m}`, `'${m}'`, `${m}.5`][form]!;
        const bu = `variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /etc/a\n      mode: ${text}\n`;
        const isInteger = /^(0[0-7]*|0x[0-9a-f]+|[1-9][0-9]*)$/.test(text);
        if (isInteger) expect(butaneToIgnition(bu, 'x.bu').storage.files[0]!.mode).toBe(m);
        else expect(() => butaneToIgnition(bu, 'x.bu')).toThrow('mode must be an octal number like 0644');
      }),
      { numRuns: RUNS },
    );
  });
});
