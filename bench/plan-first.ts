/**
 * A term's first plan at scale, pure (no etcd, no cache): the scheduler-scale workload (10,000 machines, 100,000
 * units: 3 global, 5,000 conflicting web@N, 5,000 wanting disk=ssd, the rest plain), nothing placed yet, planned in
 * full as a new leader's first pass does. Figures: the plan's CPU time (median of ROUNDS, after one warm-up) and
 * its decisions. What `scheduler-scale` spends before its first write, without the snapshot.
 * Usage: npm run bench -- plan-first [MACHINES] [UNITS] [ROUNDS]
 */
import { makeUnitRecord, type ClusterSnapshot } from '@flotilla/core';
import { planSchedule } from '../packages/scheduler/src/plan.js';
import { figure, percentile } from './stats.js';
import { benchMachine, benchUnitSpecs } from './support/seed.js';

const MACHINES = Number(process.argv[2] ?? 10_000);
const UNITS = Number(process.argv[3] ?? 100_000);
const ROUNDS = Number(process.argv[4] ?? 5);

function freshSnapshot(): ClusterSnapshot {
  const capacity = { cpuMillis: 16_000, memoryBytes: 64 * 1024 ** 3 };
  // New records each round: the planner memoizes parsed requirements per record, as a new leader has none.
  const units = benchUnitSpecs(MACHINES, UNITS).map((s) => makeUnitRecord(s, 'launched'));
  return {
    units,
    machines: Array.from({ length: MACHINES }, (_, i) => benchMachine(i, capacity)),
    schedule: new Map(),
    unitRevisions: new Map(units.map((u) => [u.name, '2'])),
    globalAssignments: new Map(),
    laggingAssignments: new Map(),
    revision: '3',
  };
}

const cpuMs: number[] = [];
let decisions = 0;
for (let round = 0; round <= ROUNDS; round++) {
  const snapshot = freshSnapshot();
  const before = process.cpuUsage();
  decisions = planSchedule(snapshot).decisions.length;
  const used = process.cpuUsage(before);
  if (round > 0) cpuMs.push((used.user + used.system) / 1000);
}
figure('first_plan_cpu', percentile(cpuMs, 50), 'ms');
figure('first_plan_decisions', decisions, 'count');
