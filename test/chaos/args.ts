/**
 * `npm run chaos -- [--events N] [--seed S] [--machines M] [--quiet-every K]` (and `npm run bench -- chaos`, same
 * flags). Pure: argv in, options or a usage error out.
 */
import { MAX_SEED } from './prng.js';

export interface ChaosArgs {
  events: number;
  /** Undefined: the caller draws one and prints it. */
  seed?: number;
  machines: number;
  quietEvery: number;
}

export const DEFAULT_ARGS: ChaosArgs = { events: 200, machines: 5, quietEvery: 10 };

export const USAGE = 'usage: npm run chaos -- [--events N] [--seed S] [--machines M] [--quiet-every K]';

const LIMITS: Record<'events' | 'seed' | 'machines' | 'quietEvery', [number, number]> = {
  events: [1, 5000],
  seed: [0, MAX_SEED],
  // The bridge hands out .11 upwards and each killed machine's replacement takes the next address.
  machines: [3, 12],
  quietEvery: [0, 5000],
};

const FLAGS: Record<string, keyof typeof LIMITS> = {
  '--events': 'events',
  '--seed': 'seed',
  '--machines': 'machines',
  '--quiet-every': 'quietEvery',
};

export function parseChaosArgs(argv: readonly string[]): ChaosArgs {
  const args: ChaosArgs = { ...DEFAULT_ARGS };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2) as [string, string | undefined];
    const key = FLAGS[flag];
    if (key === undefined) throw new Error(`unknown argument "${argv[i]}"\n${USAGE}`);
    const text = inline ?? argv[++i];
    if (text === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
    const value = Number(text);
    const [min, max] = LIMITS[key];
    if (!/^\d+$/.test(text) || value < min || value > max) throw new Error(`${flag}: expected an integer in ${min}..${max}, got "${text}"\n${USAGE}`);
    args[key] = value;
  }
  return args;
}
