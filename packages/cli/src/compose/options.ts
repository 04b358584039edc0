/** The options every `compose` subcommand takes (also accepted before the subcommand, as docker compose's). */
import type { Command, OptionValues } from 'commander';
import { badOptionValue } from '../cli-errors.js';
import type { ComposeOptions } from './compose-file.js';

/** `logs` keeps `-f` for --follow, as docker compose does; the file is then `--file` (or `-f` before `logs`). */
export function addComposeOptions(cmd: Command, shortFile = true): Command {
  return cmd
    .option(shortFile ? '-f, --file <file>' : '--file <file>', 'compose file (default: compose.yaml, compose.yml, docker-compose.yaml, docker-compose.yml)')
    .option('-p, --project-name <name>', 'project name (default: the file\'s name:, else its directory\'s name)')
    .option('--ignore-unsupported', 'warn about keys Flotilla does not convert instead of failing');
}

export function composeOptions(raw: OptionValues): ComposeOptions {
  const out: ComposeOptions = { ignoreUnsupported: Boolean(raw.ignoreUnsupported) };
  if (typeof raw.file === 'string') out.file = raw.file;
  if (typeof raw.projectName === 'string') out.project = raw.projectName;
  return out;
}

export function timeoutMs(raw: OptionValues, fallbackSec: number): number {
  const text = String(raw.timeout ?? fallbackSec);
  const sec = Number(text);
  if (!Number.isFinite(sec) || sec <= 0) throw badOptionValue('--timeout', text, 'expected a positive number of seconds');
  return sec * 1000;
}
