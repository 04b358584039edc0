/**
 * `drain MACHINE [--deadline 5m] [--no-block] [--timeout 10m]`: cordons the machine and asks the scheduler to
 * move its non-global units elsewhere (stop-before-start, one instance of a template at a time; past the
 * deadline the rest are moved anyway, and units that fit nowhere else are stopped). Then follows the moves until
 * none is left and prints `drained: …` (docs/machine-lifecycle.md). Running it again follows the same drain.
 */
import type { Command, OptionValues } from 'commander';
import { parseTimeSpan } from '@flotilla/core';
import { badOptionValue, machineArgumentsMissing } from '../cli-errors.js';
import { followDrain } from '../machines/drain-follow.js';
import type { DrainSummary } from '../machines/drain-progress.js';
import { changeCordons } from '../machines/set-cordon.js';
import { renderDrainEnd, renderDrainStart } from '../render/machine-lifecycle.js';
import { defineVerb } from './verb.js';

/** Without --deadline or --timeout, how long `drain` follows (the drain itself has no end). */
export const DEFAULT_DRAIN_WAIT_MS = 5 * 60_000;
/** With --deadline, the wait covers the deadline and this much for the last moves. */
export const DRAIN_WAIT_MARGIN_MS = 60_000;

export interface DrainOptions {
  deadlineMs?: number;
  block: boolean;
  timeoutMs: number;
}

function span(option: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseTimeSpan(String(raw));
  if (ms === undefined) throw badOptionValue(option, String(raw), 'expected a time span like 90s, 5m or 1h30m');
  return ms;
}

export function parseDrainOptions(raw: OptionValues): DrainOptions {
  const deadlineMs = span('--deadline', raw.deadline);
  const timeoutMs = span('--timeout', raw.timeout) ?? (deadlineMs !== undefined ? deadlineMs + DRAIN_WAIT_MARGIN_MS : DEFAULT_DRAIN_WAIT_MS);
  return { ...(deadlineMs !== undefined ? { deadlineMs } : {}), block: raw.block !== false, timeoutMs };
}

export const drain = defineVerb<DrainOptions, DrainSummary | undefined>({
  name: 'drain',
  args: '[machine...]',
  summary: 'Move every non-global unit off a machine and keep new ones away',
  examples: ['flotilla drain m2', 'flotilla drain m2 --deadline 5m', 'flotilla drain --no-block 113f16a7', 'flotilla uncordon m2'],
  configure(cmd: Command) {
    cmd.option('--deadline <span>', 'after this long (90s, 5m, 1h30m), move the remaining units anyway (default: no deadline)');
    cmd.option('--no-block', 'return once the drain is asked for');
    cmd.option('--timeout <span>', `stop following after this long (default: the deadline + 1m, else ${DEFAULT_DRAIN_WAIT_MS / 60_000}m)`);
  },
  parseOptions: parseDrainOptions,
  waitBudgetMs: (opts) => (opts.block ? opts.timeoutMs : 0),
  async handler(ctx, args, opts) {
    if (args.length !== 1) throw machineArgumentsMissing('drain', 'exactly one machine');
    const now = Date.now();
    const request = { drain: true, ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}) };
    const [change] = await changeCordons(await ctx.registry(), args, request, now);
    const { machine, before, after } = change!;
    ctx.write(`${renderDrainStart(machine, after!, now, before?.drain !== undefined)}\n`);
    if (!opts.block) return undefined;
    return followDrain(ctx, { machineId: machine.id, label: machine.hostname || machine.id.slice(0, 8), arg: args[0]!, timeoutMs: opts.timeoutMs });
  },
  render: (summary) => (summary ? { stdout: renderDrainEnd(summary) } : {}),
});
