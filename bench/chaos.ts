/**
 * The chaos suite's full run (docs/testbed.md, "Chaos suite"): M machines on a 3-member etcd, the unit mix, N
 * random faults from a seed, every machine's systemd checked throughout. Prints the seed and every event with its
 * time on stderr and the figures on stdout (`chaos_events`, `chaos_violations`, `chaos_units_lost`,
 * `chaos_double_runs`, …); exits 1 when a check failed, so a failing seed is plain to see and replays with --seed.
 * Usage: npm run bench -- chaos [--events N] [--seed S] [--machines M] [--quiet-every K]   (or npm run chaos -- …)
 */
import { parseChaosArgs } from '../test/chaos/args.js';
import { MAX_SEED } from '../test/chaos/prng.js';
import { describeReport, reportFigures } from '../test/chaos/report.js';
import { runChaos } from '../test/chaos/runner.js';
import { sweepLeftovers } from '../test/harness/sweep.js';
import { figure } from './stats.js';

const stderr = (line: string) => process.stderr.write(`${line}\n`);
let args;
try {
  args = parseChaosArgs(process.argv.slice(2));
} catch (err) {
  stderr((err as Error).message);
  process.exit(2);
}
// No seed given: draw one here (the run itself is seeded only), printed first so the run can be replayed.
const seed = args.seed ?? Math.floor(Math.random() * MAX_SEED);
// Clusters a crashed earlier run left behind (their owner is dead), as the test suite's global setup sweeps them.
await sweepLeftovers();
const report = await runChaos({ ...args, seed, log: stderr });
for (const line of describeReport(report)) stderr(line);
for (const [name, value, unit] of reportFigures(report)) figure(name, value, unit);
process.exitCode = report.violations.length > 0 ? 1 : 0;
