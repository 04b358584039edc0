/**
 * fleetctl's blocking flags (fleet's `fleetctl/fleetctl.go`, `getBlockAttempts`) plus Flotilla's overall deadline.
 * fleetctl polled in 2 s "attempts" and waited forever by default; Flotilla watches the unit's states instead, so
 * attempts only size the deadline: `--block-attempts N` (N > 0) waits N × 2 s; otherwise `--block-timeout` (default
 * 120 s) applies.
 */
import type { Command, OptionValues } from 'commander';
import { badOptionValue } from '../cli-errors.js';
import { parseSeconds } from '../global-options.js';

export const ATTEMPT_MS = 2000;
export const DEFAULT_BLOCK_TIMEOUT_S = 120;

export interface BlockOptions {
  block: boolean;
  deadlineMs: number;
}

export function addBlockOptions(cmd: Command): void {
  cmd.option('--no-block', 'do not wait until the units reach the target state');
  cmd.option('--block-attempts <n>', 'wait at most N × 2 s (0: use --block-timeout)', '0');
  cmd.option('--block-timeout <seconds>', `give up waiting after this long (default ${DEFAULT_BLOCK_TIMEOUT_S})`);
}

export function parseBlockOptions(raw: OptionValues): BlockOptions {
  const attemptsText = String(raw.blockAttempts ?? '0');
  const attempts = Number(attemptsText);
  if (!Number.isInteger(attempts) || attempts < 0) {
    throw badOptionValue('--block-attempts', attemptsText, 'expected a non-negative integer');
  }
  let deadlineMs = DEFAULT_BLOCK_TIMEOUT_S * 1000;
  if (raw.blockTimeout !== undefined) deadlineMs = parseSeconds('--block-timeout', String(raw.blockTimeout)) * 1000;
  else if (attempts > 0) deadlineMs = attempts * ATTEMPT_MS;
  return { block: raw.block !== false, deadlineMs };
}

export function addReplaceOption(cmd: Command): void {
  cmd.option('--replace', 'replace the unit in the registry if the local file differs');
}

/** A blocking verb's options for defineVerb (stop, unload, load, start): its wait is the whole deadline. */
export const blockingVerbOptions = {
  configure: addBlockOptions,
  parseOptions: parseBlockOptions,
  waitBudgetMs: (opts: BlockOptions): number => (opts.block ? opts.deadlineMs : 0),
};

export interface CreatingOptions extends BlockOptions {
  replace: boolean;
}

/** The options of a blocking verb that first submits its units (load, start): also `--replace`. */
export const creatingVerbOptions = {
  configure(cmd: Command): void {
    addBlockOptions(cmd);
    addReplaceOption(cmd);
  },
  parseOptions: (raw: OptionValues): CreatingOptions => ({ ...parseBlockOptions(raw), replace: Boolean(raw.replace) }),
  waitBudgetMs: blockingVerbOptions.waitBudgetMs,
};
