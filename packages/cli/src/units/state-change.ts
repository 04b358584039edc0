/**
 * What start, load, stop and unload share: set a desired state on each unit that needs it, trigger globals
 * (fleetctl prints `Triggered global unit <n> <verb>` and never waits for them), then either print
 * `Triggered unit <n> <verb>` for each (`--no-block`) or block until the units reach the target.
 */
import type { DesiredState, UnitRecord } from '@flotilla/core';
import type { CommandContext } from '../commands/verb.js';
import { blockUntil, type BlockSpec } from './block.js';
import { unitsNamed } from './find.js';
import { mapInParallel, UNIT_CALLS_IN_FLIGHT } from './in-parallel.js';

export type StateVerb = 'start' | 'load' | 'stop' | 'unload';

/**
 * Sets `state` on every unit `needsChange` accepts (each name once); returns the non-global ones to wait for.
 * `check` runs first on each unit and may throw to refuse the whole change (stop on an inactive unit). Units in
 * `alreadySet` were written in `state` by this command (lazyCreateUnitsIn): reported as changed, not written again.
 */
export async function requestDesiredState(
  ctx: CommandContext,
  units: readonly UnitRecord[],
  verb: StateVerb,
  state: DesiredState,
  needsChange: (unit: UnitRecord) => boolean,
  check: (unit: UnitRecord) => void = () => {},
  alreadySet: ReadonlySet<string> = new Set(),
): Promise<UnitRecord[]> {
  const registry = await ctx.registry();
  // As one unit at a time did: the units before a refused one are still changed, then the refusal is thrown.
  const changing: UnitRecord[] = [];
  const seen = new Set<string>();
  let refusal: unknown;
  for (const unit of units) {
    try {
      check(unit);
    } catch (err) {
      refusal = err;
      break;
    }
    if (seen.has(unit.name) || !(needsChange(unit) || alreadySet.has(unit.name))) continue;
    seen.add(unit.name);
    changing.push(unit);
  }
  const updated = await mapInParallel(changing, UNIT_CALLS_IN_FLIGHT, (unit) =>
    alreadySet.has(unit.name) ? Promise.resolve(unit) : registry.setDesiredState(unit.name, state));
  const waitFor: UnitRecord[] = [];
  for (const unit of updated) {
    if (unit.global) ctx.emit({ kind: 'triggered', unit: unit.name, verb, global: true });
    else waitFor.push(unit);
  }
  if (refusal !== undefined) throw refusal;
  return waitFor;
}

/** How stop or unload changes the units it names, and what it reports once they are there. */
export interface NamedUnitsChange {
  verb: 'stop' | 'unload';
  /** Sets the desired state on the found units; returns the ones to wait for. */
  request(ctx: CommandContext, units: readonly UnitRecord[]): Promise<UnitRecord[]>;
  until(deadlineMs: number): BlockSpec;
  done: 'stopped' | 'unloaded';
}

/** stop and unload: change the named units, trigger or wait, and after a wait name them (`Successfully ...`). */
export async function changeNamedUnits(
  ctx: CommandContext, args: readonly string[], opts: { block: boolean; deadlineMs: number }, change: NamedUnitsChange,
): Promise<void> {
  const units = await unitsNamed(ctx, args);
  if (units === undefined) return;
  const changing = await change.request(ctx, units);
  await triggerOrBlock(ctx, changing, change.verb, opts.block, change.until(opts.deadlineMs));
  if (opts.block) ctx.emit({ kind: change.done, units: changing.map((u) => u.name) });
}

/** `--no-block`: one `Triggered unit` line each; otherwise wait under `spec`'s deadline. */
export async function triggerOrBlock(ctx: CommandContext, units: readonly UnitRecord[], verb: StateVerb, block: boolean, spec: BlockSpec): Promise<void> {
  if (!block) {
    for (const u of units) ctx.emit({ kind: 'triggered', unit: u.name, verb, global: false });
    return;
  }
  await blockUntil(ctx, units, spec);
}
