/** Properties of the unit-file pipeline over generated input (fast-check shrinks any failure to a small case). */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { UnitFileSyntaxError } from '../errors.js';
import type { UnitOption } from '../model.js';
import { metadataOptions, metadataPairs } from '../testing/metadata-arbitrary.js';
import { FUZZ_NAMES, TRICKY_FRAGMENTS, runUnitPipeline } from '../testing/unit-fuzz.js';
import { canonicalText, unitHash } from './canonical.js';
import { parseFleetRequirements } from './fleet-requirements.js';
import { goTrimSpace } from './go-space.js';
import { parseUnitFile } from './parse.js';
import { unitOptionsProblem } from './validate-options.js';

const RUNS = 2000;

/** Text that looks like a unit file often enough to get past the parser, and breaks it in every other way. */
const unitText = fc
  .array(fc.oneof(fc.constantFrom(...TRICKY_FRAGMENTS), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const sectionedText = fc
  .tuple(fc.constantFrom('[Unit]\n', '[X-Fleet]\n', '[Service]\r\n'), unitText)
  .map(([head, body]) => head + body);
const anyText = fc.oneof(unitText, sectionedText);

const word = fc.string({ unit: fc.constantFrom(...'abcXY-_.:@%*="\\ #;[]\t\u0085\ufeffé'), minLength: 1, maxLength: 10 });
const option: fc.Arbitrary<UnitOption> = fc.record({
  section: fc.constantFrom('Unit', 'Service', 'X-Fleet', 'Install'),
  name: word,
  value: fc.oneof(word, fc.constant('')),
});

/** Options as canonical form has them: grouped by section in order of first appearance. */
function grouped(options: UnitOption[]): UnitOption[] {
  const order = [...new Set(options.map((o) => o.section))];
  return order.flatMap((section) => options.filter((o) => o.section === section));
}

describe('unit file properties', () => {
  test('the parser only ever throws its own typed error', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        try {
          parseUnitFile(text, 'f.service');
        } catch (err) {
          if (!(err instanceof UnitFileSyntaxError)) throw err;
          expect(err.line).toBeGreaterThanOrEqual(1);
          expect(err.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('parse → serialize → parse is identity on the canonical form, and the hash is stable', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        let options: UnitOption[];
        try {
          options = parseUnitFile(text);
        } catch {
          return;
        }
        fc.pre(unitOptionsProblem('f.service', options) === undefined);
        const canonical = canonicalText(options);
        const reparsed = parseUnitFile(canonical);
        expect(reparsed).toEqual(grouped(options));
        expect(canonicalText(reparsed)).toBe(canonical);
        expect(unitHash(reparsed)).toBe(unitHash(options));
      }),
      { numRuns: RUNS },
    );
  });

  // Options given through the API keep surrounding whitespace in values (fleet hashed them as given); a file
  // round trip trims it, like go-systemd. Everything else survives exactly.
  test('options that pass validation survive serialization (values trimmed like Go)', () => {
    fc.assert(
      fc.property(fc.array(option, { maxLength: 12 }), (options) => {
        fc.pre(unitOptionsProblem('f.service', options) === undefined);
        expect(parseUnitFile(canonicalText(options))).toEqual(grouped(options).map((o) => ({ ...o, value: goTrimSpace(o.value) })));
      }),
      { numRuns: RUNS },
    );
  });

  test('the whole pipeline rejects only with typed errors, for any name', () => {
    fc.assert(
      fc.property(fc.oneof(fc.constantFrom(...FUZZ_NAMES), fc.string({ maxLength: 20 })), anyText, (name, text) => {
        expect(['accepted', 'invalid-name', 'syntax-error', 'invalid-options']).toContain(runUnitPipeline(name, text));
      }),
      { numRuns: RUNS },
    );
  });

  // Keys are the user's, Object.prototype's member names included (user-keys.ts).
  // Matching a machine against the parsed requirements: scheduler placement/filters/metadata.test.ts.
  test('MachineMetadata: any key is an ordinary key, each value kept under its own key', () => {
    fc.assert(
      fc.property(metadataPairs, (pairs) => {
        const { metadata } = parseFleetRequirements('a.service', metadataOptions(pairs));
        const keys = [...new Set(pairs.map(([k]) => k))];
        expect(Object.keys(metadata).sort()).toEqual(keys.sort());
        for (const k of keys) expect(metadata[k]).toEqual(pairs.filter(([pk]) => pk === k).map(([, v]) => v));
      }),
      { numRuns: RUNS },
    );
  });

  test('X-Fleet requirements never throw, whatever the values', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FUZZ_NAMES.filter((n) => n.includes('.'))), fc.array(option, { maxLength: 8 }), (name, options) => {
        const requirements = parseFleetRequirements(name, options.map((o) => ({ ...o, section: 'X-Fleet' })));
        expect(requirements.conflicts.every((glob) => glob !== '' && !/\s/.test(glob))).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});
