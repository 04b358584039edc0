/**
 * The node-config readers (parseCloudConfig behind `flotilla cloud-init FILE`, butaneToIgnition behind
 * `flotilla butane FILE`) under generated input (test/support/config-fuzz.ts): mutated shipped configs, documents
 * of the right shape with wrong types and unknown keys, random text, alias bombs, deep nesting and huge
 * documents (up to 40,000 entries or a 2 MB value, past the readers' 1 MiB limit). A crash is any read the judge
 * faults: another exception than CloudConfigError, a message without file:line or with V8's or the library's
 * insides, a result with a wrong type in it. Also the slowest read and the process's peak RSS.
 * Usage: npm run bench -- fuzz-config [INPUTS] [SEED] [MAX_SECONDS]
 */
import fc from 'fast-check';
import { aliasBomb, configText, deepNesting, judgeConfigRead, type ConfigKind } from '../test/support/config-fuzz.js';
import { figure } from './stats.js';

const INPUTS = Number(process.argv[2] ?? 20_000);
const SEED = Number(process.argv[3] ?? 4);
const MAX_SECONDS = Number(process.argv[4] ?? 600);
const BATCH = 500;

let inputs = 0;
let crashes = 0;
let accepted = 0;
let slowest = 0;
let slowestInput = '';
let peakRss = process.memoryUsage().rss;
const examples: string[] = [];

function read(kind: ConfigKind, text: string): number {
  const outcome = judgeConfigRead(kind, text);
  inputs += 1;
  if (outcome.accepted) accepted += 1;
  if (outcome.ms > slowest) [slowest, slowestInput] = [outcome.ms, `${kind} ${JSON.stringify(text.slice(0, 80))} (${text.length} chars)`];
  if (outcome.problems.length > 0) {
    crashes += 1;
    if (examples.length < 10) examples.push(`${kind}: ${outcome.problems.join('; ')}\n    ${JSON.stringify(text.slice(0, 300))}`);
  }
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  return outcome.ms;
}

// The named attacks once each, timed on their own.
const bombMs = Math.max(read('cloud-config', aliasBomb('cloud-config', 9, 10)), read('butane', aliasBomb('butane', 9, 10)));
const deepMs = Math.max(read('cloud-config', deepNesting('cloud-config', 100_000, true)), read('butane', deepNesting('butane', 100_000, true)));

const started = Date.now();
const generators = { 'cloud-config': configText('cloud-config', { huge: true }), butane: configText('butane', { huge: true }) };
for (let batch = 0; inputs < INPUTS && Date.now() - started < MAX_SECONDS * 1000; batch++) {
  const kind: ConfigKind = batch % 2 === 0 ? 'cloud-config' : 'butane';
  for (const text of fc.sample(generators[kind], { seed: SEED * 1_000_003 + batch, numRuns: Math.min(BATCH, INPUTS - inputs) })) read(kind, text);
}
const seconds = (Date.now() - started) / 1000;

for (const example of examples) process.stderr.write(`crash: ${example}\n`);
process.stderr.write(`slowest: ${slowestInput}\n`);
figure('fuzz_config_inputs', inputs, 'count');
figure('fuzz_config_crashes', crashes, 'count');
figure('fuzz_config_accepted', accepted, 'count');
figure('fuzz_config_rate', Math.round((inputs - 4) / seconds), 'inputs/s');
figure('fuzz_config_max_ms', slowest, 'ms');
figure('fuzz_config_alias_bomb_ms', bombMs, 'ms');
figure('fuzz_config_deep_nesting_ms', deepMs, 'ms');
figure('fuzz_config_peak_rss', Math.round(peakRss / 2 ** 20), 'MiB');
