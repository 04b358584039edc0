/**
 * The HASH column must equal fleet's for the same file. Expected hashes were computed outside this code:
 * `sha1sum` over the canonical text written out by hand per fleet's algorithm (`unit/unit.go`) — for files already in
 * canonical form that is the file itself. Files: fleet's documented examples, the repo's units/, and a messy
 * file (CRLF, comments, continuation, interleaved sections, padding) that must canonicalize.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { canonicalText, unitHash } from './canonical.js';
import { parseUnitFile } from './parse.js';

const here = (path: string) => new URL(path, import.meta.url);

describe('unit hash equals fleet\'s on real unit files', () => {
  test.each([
    { name: 'fleet README hello.service', file: './testdata/fleet-hello.service', hash: '7020d04d13645bc4f6c18142b2a2cc725488d38a', canonicalIsFile: true },
    { name: 'fleet docs apache@.service', file: './testdata/fleet-apache@.service', hash: '412032a123dea9519250523d55b66e341bcb0baf', canonicalIsFile: true },
    { name: 'fleet docs apache-discovery@.service', file: './testdata/fleet-apache-discovery@.service', hash: '07d3d9b21eaef80ed5524879481adc35e6941f75', canonicalIsFile: true },
    { name: 'units/hello.service', file: '../../../../units/hello.service', hash: '62dfdb5cef107de000d6e635ef1417820af0947a', canonicalIsFile: true },
    { name: 'units/web@.service (comment dropped)', file: '../../../../units/web@.service', hash: '3436baec3ef963abd4b4c8d9cadc07c9c3dec47e', canonicalIsFile: false },
    { name: 'messy file', file: './testdata/messy.service', hash: '8427c5c7206046f975c3e4952d7e8f87140ab9b3', canonicalIsFile: false },
  ])('$name', ({ file, hash, canonicalIsFile }) => {
    const text = readFileSync(here(file), 'utf8');
    const options = parseUnitFile(text, file);
    expect(unitHash(options)).toBe(hash);
    expect(canonicalText(options) === text).toBe(canonicalIsFile);
  });

  test('messy file canonical text', () => {
    const options = parseUnitFile(readFileSync(here('./testdata/messy.service'), 'utf8'));
    expect(canonicalText(options)).toBe(
      '[Unit]\nDescription=messy\nAfter=network.target\n\n[Service]\nExecStart=/bin/sh -c     "echo hi"\nEnvironment=\n\n' +
        '[X-Fleet]\nMachineMetadata="region=us-east-1" "disk=ssd"\nGlobal=true\n',
    );
  });
});
