import { describe, expect, test } from 'vitest';
import { InvalidUnitNameError } from '../errors.js';
import { MAX_NEW_UNIT_NAME_BYTES, assertNewUnitName, mangleUnitName, unitNameInfo, validateUnitName } from './name.js';

describe('validateUnitName', () => {
  test.each([
    'foo.service', 'foo@.service', 'foo@bar.service', 'a.b-c_d:e\\f.socket', 'x.timer', 'web@1.target', 'disk.mount',
    `${'a'.repeat(248)}.service`,
  ])('accepts %s', (name) => {
    expect(() => validateUnitName(name)).not.toThrow();
  });

  test.each([
    { name: 'empty', unit: '', message: 'unit name cannot be empty' },
    { name: 'too long', unit: `${'a'.repeat(249)}.service`, message: 'unit name exceeds maximum length (256)' },
    { name: 'too long in bytes', unit: `${'é'.repeat(125)}.service`, message: 'unit name exceeds maximum length (256)' },
    { name: 'no dot', unit: 'foo', message: 'unit name must contain "."' },
    { name: 'ends in dot', unit: 'foo.', message: 'unit name cannot end in "."' },
    { name: 'unknown type', unit: 'foo.bar', message: 'invalid unit type: "bar"' },
    { name: 'type is checked before characters', unit: 'a/b.bar', message: 'invalid unit type: "bar"' },
    { name: 'template of a non-template type', unit: 'foo@.mount', message: 'invalid unit type for template: "mount"' },
    { name: 'space', unit: 'foo bar.service', message: "invalid character ' ' in unit name" },
    { name: 'slash', unit: 'dir/foo.service', message: "invalid character '/' in unit name" },
    { name: 'NUL', unit: 'foo\u0000.service', message: "invalid character '\\x00' in unit name" },
    { name: 'non-ASCII', unit: 'café.service', message: "invalid character 'é' in unit name" },
    { name: 'starts with @', unit: '@foo.service', message: 'unit name cannot start in "@"' },
    { name: 'two @', unit: 'a@b@c.service', message: 'unit name may contain only one "@"' },
    // Injection attempts: refused before anything touches etcd or disk.
    { name: 'path traversal', unit: '../x.service', message: "invalid character '/' in unit name" },
    { name: 'directory', unit: 'a/b.service', message: "invalid character '/' in unit name" },
    { name: '257 bytes', unit: `${'a'.repeat(249)}.service`, message: 'unit name exceeds maximum length (256)' },
    { name: 'newline', unit: 'a\nb.service', message: "invalid character '\\x0a' in unit name" },
    { name: 'carriage return', unit: 'a\rb.service', message: "invalid character '\\x0d' in unit name" },
    { name: 'shell: semicolon', unit: 'a;rm -rf ~.service', message: "invalid character ';' in unit name" },
    { name: 'shell: command substitution', unit: '$(id).service', message: "invalid character '$' in unit name" },
    { name: 'shell: backtick', unit: '`id`.service', message: "invalid character '`' in unit name" },
    { name: 'shell: glob', unit: 'a*.service', message: "invalid character '*' in unit name" },
    { name: 'look-alike: Cyrillic s in the type', unit: 'a.\u0455ervice', message: 'invalid unit type: "\u0455ervice"' },
    { name: 'look-alike: fullwidth solidus', unit: 'a\uff0fb.service', message: "invalid character '\uff0f' in unit name" },
    { name: 'look-alike: Cyrillic a in the stem', unit: '\u0430pache.service', message: "invalid character '\u0430' in unit name" },
    { name: 'zero-width space', unit: 'a\u200bb.service', message: "invalid character '\u200b' in unit name" },
  ])('rejects $name', ({ unit, message }) => {
    let caught: unknown;
    try {
      validateUnitName(unit);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidUnitNameError);
    expect({ code: (caught as InvalidUnitNameError).code, message: (caught as Error).message }).toEqual({ code: 'INVALID_UNIT_NAME', message });
  });
});

/** A `.service` name of exactly `bytes` bytes. */
const serviceNamed = (bytes: number) => `${'a'.repeat(bytes - '.service'.length)}.service`;
const NOT_RUN = (type: string) =>
  `unit type "${type}" is not run by Flotilla: the accepted types are .service, .socket, .timer, .path, .device, .mount, .automount and .container`;
const TOO_LONG = `unit name exceeds maximum length (${MAX_NEW_UNIT_NAME_BYTES} bytes, so that the agent's file names fit in 255)`;

// A new unit's name must leave room for the agent's longest file name, `.NAME.<12 hex>.tmp` (docs/fleetctl-compat.md).
describe('assertNewUnitName', () => {
  test('the limit is 237 bytes', () => {
    expect(MAX_NEW_UNIT_NAME_BYTES).toBe(237);
  });

  test.each([
    { name: '237 bytes', unit: serviceNamed(237) },
    { name: 'a template', unit: 'web@.service' },
    { name: 'an instance', unit: 'web@1.service' },
    ...['service', 'socket', 'timer', 'path', 'device', 'mount', 'automount', 'container'].map((type) => ({ name: `a .${type}`, unit: `a.${type}` })),
    { name: 'a container instance', unit: 'web@1.container' },
    { name: 'dots inside the name', unit: 'a.b..c.service' },
  ])('accepts $name', ({ unit }) => {
    expect(() => assertNewUnitName(unit)).not.toThrow();
  });

  test.each([
    { name: '238 bytes (a name fleet and systemd take)', unit: serviceNamed(238), message: TOO_LONG },
    { name: '256 bytes', unit: serviceNamed(256), message: TOO_LONG },
    { name: '257 bytes: our limit, not fleet\'s', unit: serviceNamed(257), message: TOO_LONG },
    { name: '238 bytes in two-byte characters', unit: `${'é'.repeat(115)}.service`, message: TOO_LONG },
    { name: 'fleet\'s rules still apply', unit: 'bad!name.service', message: "invalid character '!' in unit name" },
    { name: 'empty', unit: '', message: 'unit name cannot be empty' },
    // The agent reads no hidden file as a unit, and runs only its own types (docs/fleetctl-compat.md, "Unit names").
    { name: 'nothing before the type', unit: '.service', message: 'unit name cannot start in "."' },
    { name: 'a hidden name', unit: '.x.service', message: 'unit name cannot start in "."' },
    { name: 'two dots', unit: '..service', message: 'unit name cannot start in "."' },
    { name: 'a hidden container', unit: '.container', message: 'unit name cannot start in "."' },
    ...['target', 'slice', 'scope', 'swap', 'busname', 'snapshot'].map((type) => ({ name: `a .${type}`, unit: `a.${type}`, message: NOT_RUN(type) })),
    { name: 'a .target template', unit: 'web@.target', message: NOT_RUN('target') },
    { name: 'a .target instance', unit: 'web@1.target', message: NOT_RUN('target') },
    { name: 'fleet\'s text for a type systemd does not know', unit: 'a.bar', message: 'invalid unit type: "bar"' },
  ])('refuses $name', ({ unit, message }) => {
    expect(() => assertNewUnitName(unit)).toThrow(expect.objectContaining({ code: 'INVALID_UNIT_NAME', message }));
  });
});

describe('unitNameInfo', () => {
  test.each([
    { name: 'plain', unit: 'web.service', want: { name: 'web.service', stem: 'web', suffix: 'service', prefix: 'web', instance: '', templateName: undefined, isTemplate: false, isInstance: false } },
    { name: 'template', unit: 'web@.service', want: { name: 'web@.service', stem: 'web@', suffix: 'service', prefix: 'web', instance: '', templateName: 'web@.service', isTemplate: true, isInstance: false } },
    { name: 'instance', unit: 'web@8080.service', want: { name: 'web@8080.service', stem: 'web@8080', suffix: 'service', prefix: 'web', instance: '8080', templateName: 'web@.service', isTemplate: false, isInstance: true } },
    { name: 'instance with dots', unit: 'pin@a.b.socket', want: { name: 'pin@a.b.socket', stem: 'pin@a.b', suffix: 'socket', prefix: 'pin', instance: 'a.b', templateName: 'pin@.socket', isTemplate: false, isInstance: true } },
  ])('$name', ({ unit, want }) => {
    expect(unitNameInfo(unit)).toEqual(want);
  });
});

describe('mangleUnitName', () => {
  test.each([
    { arg: 'foo', want: 'foo.service' },
    { arg: 'foo.service', want: 'foo.service' },
    { arg: 'units/web@.service', want: 'web@.service' },
    { arg: '/abs/path/x.socket', want: 'x.socket' },
    { arg: 'foo.target', want: 'foo.target.service' },
    { arg: 'a.automount', want: 'a.automount' },
    { arg: 'a.mount', want: 'a.mount' },
    { arg: 'a.timer', want: 'a.timer' },
    { arg: 'a.path', want: 'a.path' },
    { arg: 'a.device', want: 'a.device' },
  ])('$arg → $want', ({ arg, want }) => {
    expect(mangleUnitName(arg)).toBe(want);
  });
});
