/**
 * Inputs the config fuzz found mishandled (test/support/config-fuzz.ts), as tables: each is refused with
 * file:line and a message that explains itself, or read to exactly what the file says.
 */
import { describe, expect, test } from 'vitest';
import { aliasBomb, deepNesting } from '../../../../test/support/config-fuzz.js';
import { butaneToIgnition } from './parse-butane.js';
import { MAX_CONFIG_BYTES, parseCloudConfig } from './parse-cloud-config.js';

const BU = 'variant: fcos\nversion: 1.4.0\n';
const buFile = (entry: string) => `${BU}storage:\n  files:\n    - path: /etc/a\n${entry}`;
const buUnit = (entry: string) => `${BU}systemd:\n  units:\n${entry}`;
const ccFile = (permissions: string) => `#cloud-config\nwrite_files:\n  - path: /etc/a\n    permissions: ${permissions}\n`;

describe('cloud-config refusals the fuzz found', () => {
  test.each([
    // yaml reports the stack overflow of its recursive composer with V8's text.
    ['deep flow nesting', deepNesting('cloud-config', 20_000, true), 'f.yaml:2: collections nested too deeply'],
    ['deep block nesting', deepNesting('cloud-config', 1_400, false), 'collections nested too deeply'],
    // The library's hint to programmers ('please use YAML.parseAllDocuments()').
    ['two documents', '#cloud-config\nhostname: a\n---\nhostname: b\n', 'f.yaml:3: more than one YAML document (---): a config is one document'],
    // YAML read these as numbers whose decimal digits were then read as octal: 0o644 became mode 0420.
    ['permissions 0o644', ccFile('0o644'), 'f.yaml:4: permissions "0o644" must be octal like "0644"'],
    ['permissions 0x1ff', ccFile('0x1ff'), 'f.yaml:4: permissions "0x1ff" must be octal like "0644"'],
    ['permissions 1e3', ccFile('1e3'), 'f.yaml:4: permissions "1e3" must be octal like "0644"'],
    // An alias was refused as the wrong type ("must be a string") though it names a string.
    ['an alias for the hostname', '#cloud-config\nx: &h myhost\nhostname: *h\n', 'f.yaml:3: hostname must be a string (*h is an alias: aliases are not resolved, write the value out)'],
  ])('%s', (_name, text, message) => {
    expect(() => parseCloudConfig(text, 'f.yaml')).toThrow(message);
  });

  test.each([
    ['0644', 0o644],
    ['"0644"', 0o644],
    ['644', 0o644],
    ['"0755"', 0o755],
  ])('permissions %s is mode %o, as coreos-cloudinit read it', (permissions, mode) => {
    expect(parseCloudConfig(ccFile(permissions), 'f.yaml').files[0]!.mode).toBe(mode);
  });

  // The yaml library's node tree holds ~100 times the text: 3.7 MB took 330 MB of heap and 3 s.
  test.each([
    ['cloud-config', (n: number) => `#cloud-config\nwrite_files:\n  - path: /a\n    content: "${'x'.repeat(n)}"\n`, parseCloudConfig],
    ['Butane', (n: number) => `variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /a\n      contents:\n        inline: "${'x'.repeat(n)}"\n`, butaneToIgnition],
  ] as [string, (n: number) => string, (text: string, file: string) => unknown][])('a %s over 1 MiB is refused before it is parsed; one just under is read', (_kind, doc, reader) => {
    const started = performance.now();
    expect(() => reader(doc(MAX_CONFIG_BYTES), 'f')).toThrow(`f:1: file too large: more than ${MAX_CONFIG_BYTES} bytes`);
    expect(() => reader(doc(2 * MAX_CONFIG_BYTES).replace('x', 'é'), 'f')).toThrow('file too large');
    expect(performance.now() - started).toBeLessThan(500);
    expect(() => reader(doc(MAX_CONFIG_BYTES - 200), 'f')).not.toThrow();
  });

  test('an alias bomb is refused at its first use, without expanding it', () => {
    const started = performance.now();
    expect(() => parseCloudConfig(aliasBomb('cloud-config', 9, 10), 'f.yaml')).toThrow('f.yaml:12: write_files must be a list (*a9 is an alias');
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('Butane refusals the fuzz found', () => {
  test.each([
    // Every YAML error was reported at line 1.
    ['a syntax error names its line', `${BU}variant: fcos\nsystemd: {}\n`, 'x.bu:3: Map keys must be unique'],
    ['deep flow nesting', deepNesting('butane', 20_000, true), 'x.bu:3: collections nested too deeply'],
    // A quoted mode went through Number(): "0644" became decimal 644, mode 01204.
    ['a quoted mode', buFile('      mode: "0644"\n'), 'x.bu:6: mode must be an octal number like 0644'],
    // Any scalar was taken as a string: null became the unit "null", a YAML 1.1 date a path.
    ['a null unit name', buUnit('    - name:\n'), 'x.bu:5: "name" must be a string'],
    ['a date for a path', `${BU}storage:\n  files:\n    - path: 2001-01-01\n`, 'x.bu:5: "path" must be a string'],
    // Unit names were not checked: the name becomes a file under /etc/systemd/system.
    ['a unit name with ..', buUnit('    - name: ../../etc/passwd\n'), 'x.bu:5: "../../etc/passwd" is not a valid unit name'],
    ['a unit name without a type', buUnit('    - name: flotilla-agent\n'), 'x.bu:5: "flotilla-agent" is not a valid unit name'],
    // Keys below the top level were dropped silently, though docs/cloud-config.md says they are refused.
    ['a file owner', buFile('      user:\n        name: core\n'), 'x.bu:6: storage.files[].user is not supported'],
    ['appended contents', buFile('      append:\n        - inline: x\n'), 'x.bu:6: storage.files[].append is not supported'],
    ['compressed contents', buFile('      contents:\n        inline: x\n        compression: gzip\n'), 'x.bu:8: storage.files[].contents.compression is not supported'],
    ['a unit drop-in', buUnit('    - name: a.service\n      dropins:\n        - name: x.conf\n'), 'x.bu:6: systemd.units[].dropins is not supported'],
    ['a masked unit', buUnit('    - name: a.service\n      mask: true\n'), 'x.bu:6: systemd.units[].mask is not supported'],
    // The merge key's value is a Symbol: the message said "Symbol(<<)".
    ['a merge key', `${BU}<<: {a: 1}\n`, 'x.bu:3: "<<" is not supported'],
  ])('%s', (_name, text, message) => {
    expect(() => butaneToIgnition(text, 'x.bu')).toThrow(message);
  });

  test.each([
    ['overwrite: false', '      overwrite: false\n', false],
    ['overwrite: true', '      overwrite: true\n', true],
    ['no overwrite (Flotilla writes its files over what is there)', '', true],
  ])('%s is kept', (_name, entry, overwrite) => {
    expect(butaneToIgnition(buFile(entry), 'x.bu').storage.files[0]!.overwrite).toBe(overwrite);
  });
});
