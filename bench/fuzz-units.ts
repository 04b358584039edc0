/**
 * 1,000,000 generated and mutated unit files through the whole submit-side pipeline: name check, parse,
 * validate ([X-Fleet] rules), requirements, canonical text, hash, and the canonical round trip. Seeds are the
 * repo's units/ and fleet's documented examples; a third of the inputs are built from scratch. A crash is any
 * exception that is not a typed rejection, or an accepted file whose canonical text or hash is unstable.
 * Usage: npm run bench -- fuzz-units [INPUTS] [SEED]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUZZ_NAMES, Rng, generateUnitText, mutateUnitText, runUnitPipeline } from '../packages/core/src/testing/unit-fuzz.js';
import type { PipelineOutcome } from '../packages/core/src/testing/unit-fuzz.js';
import { figure } from './stats.js';

const INPUTS = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 4);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function seedFiles(): string[] {
  const dirs = [path.join(root, 'units'), path.join(root, 'packages/core/src/unit/testdata')];
  return dirs.flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.service')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8')));
}

const seeds = seedFiles();
const rng = new Rng(SEED);
const outcomes: Record<PipelineOutcome, number> = { accepted: 0, 'invalid-name': 0, 'syntax-error': 0, 'invalid-options': 0 };
let crashes = 0;
let firstCrash: string | undefined;
let corpusPick = seeds.slice();

const started = process.hrtime.bigint();
for (let i = 0; i < INPUTS; i++) {
  const name = rng.below(8) === 0 ? rng.pick(FUZZ_NAMES) : rng.pick(FUZZ_NAMES.slice(0, 6));
  const text = rng.below(3) === 0 ? generateUnitText(rng) : mutateUnitText(rng, rng.pick(corpusPick));
  try {
    const outcome = runUnitPipeline(name, text);
    outcomes[outcome] += 1;
    // Accepted mutants join the corpus (bounded), so mutations compound on inputs that still parse.
    if (outcome === 'accepted' && corpusPick.length < 512 && rng.below(64) === 0) corpusPick.push(text);
  } catch (err) {
    crashes += 1;
    firstCrash ??= `${JSON.stringify(name)} ${JSON.stringify(text)}: ${String(err)}`;
  }
  if (corpusPick.length >= 512) corpusPick = seeds.slice();
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;

if (firstCrash) process.stderr.write(`first crash: ${firstCrash}\n`);
process.stderr.write(`outcomes: ${JSON.stringify(outcomes)}\n`);
figure('inputs_per_s', Math.round(INPUTS / seconds), 'inputs/s');
figure('crashes', crashes, 'count');
figure('inputs', INPUTS, 'count');
figure('accepted', outcomes.accepted, 'count');
