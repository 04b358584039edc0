/**
 * `scale [--no-block] TEMPLATE@ N`: records N as the template's stored replica count (docs/services.md); the
 * elected scheduler then keeps exactly `TEMPLATE@1..N` launched, through machine loss, a destroyed instance and
 * a leader change. The template is stored with the count when the registry has none (from the template file the
 * argument names, `units/app@.service`, else `./app@.service`). Blocks, as `start` does, until the instances
 * exist and are active, and the numbered instances above N are gone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadUnitFile, sleep, type UnitRecord, type UnitSpec } from '@flotilla/core';
import { badOptionValue, duringStep, unitNotFoundOnDisk, waitTimedOut } from '../cli-errors.js';
import type { CliRegistry } from '../cli-registry.js';
import { blockUntil } from '../units/block.js';
import { parseScaleCount, parseScaleTarget, planScale, type ScaleTarget } from '../units/scale-plan.js';
import { blockingVerbOptions, type BlockOptions } from './block-options.js';
import { untilActive } from './start.js';
import { defineVerb, type CommandContext } from './verb.js';

const POLL_MS = 250;

/** The template to store with the count: undefined when the registry has it already. */
async function templateToStore(ctx: CommandContext, registry: CliRegistry, target: ScaleTarget, name: string): Promise<UnitSpec | undefined> {
  if (await registry.getUnit(name)) return undefined;
  const file = `${target.dir}${name}`;
  const text = await fs.readFile(path.resolve(ctx.cwd, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw unitNotFoundOnDisk(name, true);
    throw err;
  });
  // Checked as a submitted file is: a bad option (Replicas=abc) names the file, line and key, and nothing is written.
  return loadUnitFile(name, text, file);
}

/** Polls until `settled` holds for the registry's units, or the deadline passes (then the last units seen). */
async function waitForUnits(registry: CliRegistry, deadlineMs: number, settled: (units: UnitRecord[]) => boolean): Promise<UnitRecord[]> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const units = await registry.listUnits();
    if (settled(units) || Date.now() >= until) return units;
    await sleep(POLL_MS);
  }
}

export const scale = defineVerb<BlockOptions, void>({
  name: 'scale',
  args: '[args...]',
  summary: 'Keep exactly N numbered instances TEMPLATE@1..N of a template unit running (a stored count)',
  examples: ['flotilla scale app@ 3', 'flotilla scale --no-block units/app@.service 5', 'flotilla scale app@ 0'],
  ...blockingVerbOptions,
  async handler(ctx, args, opts) {
    if (args.length !== 2) throw badOptionValue('scale', args.join(' '), 'expected TEMPLATE@ N');
    const target = parseScaleTarget(args[0]!);
    const count = parseScaleCount(args[1]!);
    const name = `${target.prefix}@.${target.suffix}`;
    const registry = await ctx.registry();
    const before = (await registry.listUnits()).map((u) => u.name);
    await duringStep('Error scaling', async () => registry.scaleService(name, count, await templateToStore(ctx, registry, target, name)));
    const bare = { ...target, dir: '' };
    const wanted = new Set(planScale(bare, count, []).wanted);
    if (!opts.block) {
      for (const unit of wanted) ctx.emit({ kind: 'triggered', unit, verb: 'start', global: false });
      return;
    }
    // The scheduler creates and removes the instances: wait for them, then for the created ones to be active.
    const units = await waitForUnits(registry, opts.deadlineMs, (all) => all.filter((u) => wanted.has(u.name)).length === wanted.size);
    const missing = [...wanted].filter((u) => !units.some((x) => x.name === u));
    if (missing.length > 0) throw waitTimedOut(missing, 'created by the scheduler', opts.deadlineMs / 1000);
    await blockUntil(ctx, units.filter((u) => wanted.has(u.name)), untilActive(opts.deadlineMs));
    const gone = new Set(planScale(bare, count, before).remove);
    if (gone.size === 0) return;
    const after = await waitForUnits(registry, opts.deadlineMs, (all) => !all.some((u) => gone.has(u.name)));
    const left = new Set(after.map((u) => u.name));
    for (const unit of [...gone].filter((u) => !left.has(u))) ctx.emit({ kind: 'destroyed', unit });
  },
  render: () => ({}),
});
