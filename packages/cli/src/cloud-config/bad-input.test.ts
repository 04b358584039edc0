/**
 * Inputs the config fuzz found mishandled (test/support/config-fuzz.ts), as tables: each is refused with
 * file:line and a message that explains itself, or read to exactly what the file says.
 */
import { describe, expect, test } from 'vitest';
import { aliasBomb, deepNesting } from '../../../../test/support/config-fuzz.js';
import { parseCloudConfig } from './parse-cloud-config.js';

const ccFile = (permissions: string) => `#cloud-config\nwrite_files:\n  - path: /etc/a\n    permissions: ${permissions}\n`;

describe('cloud-config refusals the fuzz found', () => {
  test.each([
    // yaml reports the stack overflow of its recursive composer with V8's text.
    ['deep flow nesting', deepNesting('cloud-config', 20_000, true), 'f.yaml:2: collections nested too deeply'],
    ['deep block nesting', deepNesting('cloud-config', 3_000, false), 'collections nested too deeply'],
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

  test('an alias bomb is refused at its first use, without expanding it', () => {
    const started = performance.now();
    expect(() => parseCloudConfig(aliasBomb('cloud-config', 9, 10), 'f.yaml')).toThrow('f.yaml:12: write_files must be a list (*a9 is an alias');
    expect(performance.now() - started).toBeLessThan(500);
  });
});
