/**
 * The unit-file pipeline every submitted file goes through (name → parse → validate → requirements →
 * canonical text → hash), run on untrusted input, with its invariants checked; and a fast seeded generator of
 * mutated unit files for the fuzz bench. A "crash" is any exception that is not one of our typed rejections,
 * or an accepted file whose canonical text does not re-parse to itself with the same hash.
 */
import { InvalidUnitNameError, InvalidUnitOptionsError, UnitFileSyntaxError } from '../errors.js';
import { canonicalText, unitHash } from '../unit/canonical.js';
import { parseFleetRequirements, unknownFleetKeys } from '../unit/fleet-requirements.js';
import { parseUnitFile } from '../unit/parse.js';
import { loadUnitFile } from '../unit/unit-file.js';
import { validateUnitOptions } from '../unit/validate-options.js';

export type PipelineOutcome = 'accepted' | 'invalid-name' | 'syntax-error' | 'invalid-options';

export function runUnitPipeline(name: string, text: string): PipelineOutcome {
  let spec;
  try {
    spec = loadUnitFile(name, text);
  } catch (err) {
    if (err instanceof InvalidUnitNameError) return 'invalid-name';
    if (err instanceof UnitFileSyntaxError) return 'syntax-error';
    if (err instanceof InvalidUnitOptionsError) return 'invalid-options';
    throw err;
  }
  const { options } = spec;
  validateUnitOptions(name, options);
  parseFleetRequirements(name, options);
  unknownFleetKeys(options);
  const canonical = canonicalText(options);
  const reparsed = parseUnitFile(canonical, name);
  if (canonicalText(reparsed) !== canonical) throw new Error(`canonical text of ${name} does not re-serialize to itself`);
  if (unitHash(reparsed) !== unitHash(options)) throw new Error(`hash of ${name} changed across re-serialization`);
  return 'accepted';
}

/** Pieces that stress the grammar: separators, escapes, Go/JS whitespace differences, X-Fleet keys. */
export const TRICKY_FRAGMENTS: readonly string[] = [
  '\\', '\n', '\r\n', '\r', '=', '[', ']', '#', ';', '"', ' ', '\t', '\u0085', '\u00a0', '\ufeff', '\u2028', '\u0000',
  'é', '\u{1F600}', '%i', '%n', '%p', '%N', '[X-Fleet]\n', '[Unit]\n', '[]', '[Service] x\n', 'Global=true\n',
  'MachineID=abc\n', 'X-ConditionMachineID=%i\n', 'Conflicts=web@*.service other.*\n', 'MachineOf=a.service\n',
  'Replaces=a.service\n', 'MachineMetadata="region=us" "disk=ssd"\n', 'MachineMetadata=a=b=c\n', 'Foo=bar\n',
  '=x\n', 'Key\n', ' \\\n', '\\\\\n', '"unterminated', '[glob', 'x'.repeat(700), 'é'.repeat(700),
];

export const FUZZ_NAMES: readonly string[] = [
  'a.service', 'web@.service', 'web@1.service', 'x.socket', 'metadata@host1.service', 'pin@m1.service',
  '../x.service', 'a/b.service', 'a\u0000.service', `${'a'.repeat(250)}.service`, 'a\nb.service', 'a;rm -rf.service',
  'ѕervice.service', 'a.ѕervice', '@x.service', 'a@b@c.service', 'a.mount', 'a@.mount', '', '.', 'a.',
];

/** A small deterministic PRNG (xorshift32), so fuzz runs are reproducible from their seed. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

/** One to four random edits of `text`: insert a fragment, delete a range, duplicate or swap lines, truncate. */
export function mutateUnitText(rng: Rng, text: string): string {
  let out = text;
  const edits = 1 + rng.below(4);
  for (let i = 0; i < edits; i++) {
    const at = out.length === 0 ? 0 : rng.below(out.length + 1);
    switch (rng.below(6)) {
      case 0:
      case 1:
        out = out.slice(0, at) + rng.pick(TRICKY_FRAGMENTS) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at + 1 + rng.below(20));
        break;
      case 3: {
        const lines = out.split('\n');
        const line = rng.below(lines.length);
        lines.splice(line, 0, lines[line] as string);
        out = lines.join('\n');
        break;
      }
      case 4: {
        const lines = out.split('\n');
        const [a, b] = [rng.below(lines.length), rng.below(lines.length)];
        [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
        out = lines.join('\n');
        break;
      }
      default:
        out = out.slice(0, at);
    }
  }
  return out;
}

/** A unit file built from scratch out of random sections, keys and values. */
export function generateUnitText(rng: Rng): string {
  const sections = ['Unit', 'Service', 'X-Fleet', 'Install', 'Socket', ' Odd '];
  const keys = ['Description', 'ExecStart', 'MachineID', 'Global', 'Conflicts', 'MachineOf', 'MachineMetadata', 'Replaces', 'X-Conflicts', 'After'];
  const parts: string[] = [];
  for (let s = rng.below(4); s >= 0; s--) {
    parts.push(`[${rng.pick(sections)}]`);
    for (let k = rng.below(6); k >= 0; k--) {
      const value = Array.from({ length: rng.below(4) }, () => rng.pick(TRICKY_FRAGMENTS).replace(/\n/g, '')).join('');
      parts.push(`${rng.pick(keys)}=${value}`);
    }
  }
  return `${parts.join(rng.below(2) === 0 ? '\n' : '\r\n')}\n`;
}
