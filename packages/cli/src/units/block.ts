/**
 * Blocking after a state change (start/load/stop/unload/restart): waits on the units' states under one
 * deadline, prints `Unit <n> <state> on <machine>` as each arrives, keeps a live count (waiting / placed /
 * done) for a terminal, and, for units no agent reports yet, prints why the scheduler's leader could not place
 * them, as it recorded it in the cluster event log (fleet's #559: start hung silently on an unplaceable unit).
 */
import type { UnitRecord, UnitStateRecord } from '@flotilla/core';
import type { CommandContext } from '../commands/verb.js';
import { latestUnplaceable, readEventLog } from './recorded-unplaceable.js';
import { machineIndex, machineRef } from './machine-ref.js';
import { waitForUnits, type StateCondition } from './wait.js';

/** How often the leader's recorded reasons are read for units nobody reports yet. */
export const PLACEMENT_CHECK_MS = 2000;

export interface BlockSpec {
  /** The state printed when reached: `launched`, `loaded`, `inactive`. */
  state: string;
  /** Named in the timeout message, e.g. `active`. */
  describe: string;
  condition(unit: UnitRecord): StateCondition;
  deadlineMs: number;
  /** Explain units that no machine reports (only when the target needs placement). */
  explainPlacement: boolean;
}

type Phase = 'waiting' | 'placed' | 'done';

export async function blockUntil(ctx: CommandContext, units: readonly UnitRecord[], spec: BlockSpec): Promise<void> {
  if (units.length === 0) return;
  const registry = await ctx.registry();
  const machines = await machineIndex(registry);
  const byName = new Map(units.map((u) => [u.name, u]));
  const phases = new Map<string, Phase>(units.map((u) => [u.name, 'waiting']));
  const report = () => ctx.emit({ kind: 'progress', ...countPhases(phases, spec.state) });
  const explainer = spec.explainPlacement ? startPlacementChecks(ctx, phases) : undefined;
  report();
  try {
    await waitForUnits(registry, {
      units: units.map((u) => u.name),
      condition: (name) => spec.condition(byName.get(name) as UnitRecord),
      describe: spec.describe,
      deadlineMs: spec.deadlineMs,
      onChange(unit, states: readonly UnitStateRecord[]) {
        const next: Phase = states.length > 0 ? 'placed' : 'waiting';
        if (phases.get(unit) !== 'done' && phases.get(unit) !== next) {
          phases.set(unit, next);
          report();
        }
      },
      onReached(unit, state) {
        phases.set(unit, 'done');
        const machine = machineRef(state, machines);
        ctx.emit({ kind: 'unit-state', unit, state: spec.state, ...(machine ? { machine } : {}) });
        report();
      },
    });
  } finally {
    explainer?.stop();
    ctx.emit({ kind: 'progress-end' });
  }
}

function countPhases(phases: ReadonlyMap<string, Phase>, state: string): { waiting: number; placed: number; done: number; state: string } {
  const counts = { waiting: 0, placed: 0, done: 0, state };
  for (const phase of phases.values()) counts[phase] += 1;
  return counts;
}

/** Every PLACEMENT_CHECK_MS, the leader's reasons for units still waiting are read; new reasons are printed once. */
function startPlacementChecks(ctx: CommandContext, phases: ReadonlyMap<string, Phase>): { stop(): void } {
  const said = new Map<string, string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const tick = async () => {
    const waiting = [...phases].filter(([, p]) => p === 'waiting').map(([u]) => u);
    if (waiting.length > 0) {
      // The log is best effort: an unreadable one only leaves the wait unexplained.
      const events = await readEventLog(ctx).catch(() => []);
      for (const [unit, text] of latestUnplaceable(events, new Set(waiting))) {
        if (stopped || said.get(unit) === text || phases.get(unit) !== 'waiting') continue;
        said.set(unit, text);
        ctx.emit({ kind: 'unplaceable', unit, reasons: [text] });
      }
    }
    if (!stopped) timer = setTimeout(() => void tick(), PLACEMENT_CHECK_MS);
  };
  timer = setTimeout(() => void tick(), PLACEMENT_CHECK_MS);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
