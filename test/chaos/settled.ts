/**
 * What a settled cluster looks like, judged on what every machine's systemd says (pure): every launched unit
 * active on exactly one machine, the global unit on every machine its metadata matches and nowhere else, and
 * fleet's rules holding between what is active (fleet's [X-Fleet] semantics, with the scheduler's own predicates):
 * `Conflicts` (no two conflicting units active on one machine), `MachineOf` (a follower active only beside its
 * peer), `MachineMetadata` (only on a machine whose metadata matches); and nothing of ours running that the run
 * did not launch (destroyed or only submitted units). The run waits, bounded, until this list is empty; what is
 * left at the deadline is what it reports.
 */
import type { FleetRequirements } from '@flotilla/core';
import { globsConflict, metadataMatches } from '@flotilla/scheduler';

export interface MachineView {
  name: string;
  metadata: Readonly<Record<string, string>>;
}

export interface SettledInput {
  /** The machines that should be up, each with the metadata it booted with. */
  machines: readonly MachineView[];
  /** Which of them answered this round (a machine that did not cannot be judged). */
  answered: readonly string[];
  /** unit → machines where systemd says it is active. */
  activeOn: ReadonlyMap<string, readonly string[]>;
  /** unit → machines where it runs in any state (active, activating, deactivating, reloading). */
  running: ReadonlyMap<string, readonly string[]>;
  /** Units the run launched (and did not destroy since). */
  expected: ReadonlySet<string>;
  /** Units that may run now (launched, or destroyed within the grace). */
  mayRun: (unit: string) => boolean;
  rules: ReadonlyMap<string, FleetRequirements>;
}

export type ProblemKind = 'unit-lost' | 'double-run' | 'rule' | 'leftover' | 'unanswered';

export interface Problem {
  kind: ProblemKind;
  text: string;
}

export function settledProblems(input: SettledInput): Problem[] {
  return [
    ...input.machines.filter((m) => !input.answered.includes(m.name)).map((m) => problem('unanswered', `${m.name}'s systemd did not answer`)),
    ...placementProblems(input),
    ...ruleProblems(input),
    ...[...input.running].filter(([unit]) => !input.mayRun(unit)).map(([unit, on]) => problem('leftover', `${unit} runs on ${on.join(', ')} but was never launched or was destroyed`)),
  ];
}

/** Each launched unit active exactly once; a global one on exactly the machines that match it. */
function placementProblems(input: SettledInput): Problem[] {
  const problems: Problem[] = [];
  for (const unit of [...input.expected].sort()) {
    const active = input.activeOn.get(unit) ?? [];
    const running = input.running.get(unit) ?? [];
    if (input.rules.get(unit)?.global) {
      problems.push(...globalProblems(input, unit, active));
      continue;
    }
    if (active.length === 0) problems.push(problem('unit-lost', `${unit} is launched but active nowhere${running.length ? ` (${running.join(', ')}: not active)` : ''}`));
    if (running.length > 1) problems.push(problem('double-run', `${unit} runs on ${running.join(', ')}`));
  }
  return problems;
}

function globalProblems(input: SettledInput, unit: string, active: readonly string[]): Problem[] {
  const rules = input.rules.get(unit)!;
  const matching = input.machines.filter((m) => metadataMatches(m, rules.metadata)).map((m) => m.name);
  return [
    ...matching.filter((m) => !active.includes(m)).map((m) => problem('rule', `global ${unit} is not active on ${m}`)),
    ...active.filter((m) => !matching.includes(m)).map((m) => problem('rule', `global ${unit} is active on ${m}, which its metadata does not match`)),
  ];
}

/** MachineMetadata and MachineOf for each active copy, Conflicts between the units active on each machine. */
function ruleProblems(input: SettledInput): Problem[] {
  const problems: Problem[] = [];
  const onMachine = new Map<string, string[]>();
  for (const [unit, machines] of input.activeOn) for (const m of machines) onMachine.set(m, [...(onMachine.get(m) ?? []), unit]);
  for (const [unit, machines] of input.activeOn) {
    const rules = input.rules.get(unit);
    if (!rules || rules.global) continue;
    for (const m of machines) {
      const metadata = input.machines.find((x) => x.name === m)?.metadata ?? {};
      if (!metadataMatches({ metadata }, rules.metadata)) problems.push(problem('rule', `${unit} (MachineMetadata) is active on ${m}, which does not match`));
      for (const peer of rules.machineOf) {
        if (!onMachine.get(m)?.includes(peer)) problems.push(problem('rule', `${unit} (MachineOf=${peer}) is active on ${m} without its peer`));
      }
    }
  }
  for (const [m, units] of [...onMachine].sort(([a], [b]) => a.localeCompare(b))) {
    const sorted = [...units].sort();
    for (let i = 0; i < sorted.length; i++) {
      for (const other of sorted.slice(i + 1)) {
        const [a, b] = [input.rules.get(sorted[i]!), input.rules.get(other)];
        if (a && b && globsConflict({ name: sorted[i]!, conflicts: a.conflicts }, { name: other, conflicts: b.conflicts })) {
          problems.push(problem('rule', `${sorted[i]} and ${other} (Conflicts) are both active on ${m}`));
        }
      }
    }
  }
  return problems;
}

function problem(kind: ProblemKind, text: string): Problem {
  return { kind, text };
}
