/** The prepare step's command line (render.ts writes it, prepare-main.ts reads it). */
import { CONTAINER_ENGINES } from './spec.js';

const REQUIRED = ['engine', 'unit', 'container', 'image', 'machine', 'units-dir'] as const;

export function parsePrepareArgs(argv: readonly string[]): Record<(typeof REQUIRED)[number], string> {
  if (argv[0] !== 'prepare') throw new Error(`usage: prepare ${REQUIRED.map((k) => `--${k}=...`).join(' ')}`);
  const args: Record<string, string> = {};
  for (const arg of argv.slice(1)) {
    const match = /^--([a-z-]+)=(.*)$/s.exec(arg);
    if (!match) throw new Error(`unexpected argument ${JSON.stringify(arg)}`);
    args[match[1]!] = match[2]!;
  }
  for (const key of REQUIRED) if (!args[key]) throw new Error(`missing --${key}=`);
  if (!(CONTAINER_ENGINES as readonly string[]).includes(args.engine!)) throw new Error(`unknown engine ${JSON.stringify(args.engine)}`);
  return args as Record<(typeof REQUIRED)[number], string>;
}
