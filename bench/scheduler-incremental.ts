/**
 * What a leader's pass costs in CPU at scale, full against incremental (pure planner and the leader's cache, no
 * etcd): the scheduler-scale workload (10,000 machines, 100,000 units: 3 global, 5,000 conflicting web@N, 5,000
 * wanting disk=ssd, the rest plain) placed by one full plan, then events as the watch would deliver them, each
 * marked dirty (dirty.ts) and planned both ways, and scoped again from the leader's live state (`*_live_state`: the
 * live view and the plan, what the leader's pass runs); last, the same with 1,000 units that fit nowhere. Figures
 * are medians of ROUNDS runs, in ms.
 * Usage: npm run bench -- scheduler-incremental [MACHINES] [UNITS] [ROUNDS]
 */
import { makeUnitRecord, type ClusterEvent, type ClusterSnapshot, type UnitRecord } from '@flotilla/core';
import { emptyDirty, markEvent, type Dirty } from '../packages/scheduler/src/dirty.js';
import { ClusterCache } from '../packages/scheduler/src/loop/cluster-cache.js';
import { planSchedule, type Decision } from '../packages/scheduler/src/plan.js';
import { figure } from './stats.js';
import { benchMachine, benchUnitSpecs, spec } from './support/seed.js';

const MACHINES = Number(process.argv[2] ?? 10_000);
const UNITS = Number(process.argv[3] ?? 100_000);
const ROUNDS = Number(process.argv[4] ?? 5);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

let revision = 1;
const rev = () => String(++revision);

function units(): UnitRecord[] {
  const specs = benchUnitSpecs(MACHINES, UNITS);
  return specs.map((s) => makeUnitRecord(s, 'launched'));
}

function echoes(decisions: readonly Decision[], byName: ReadonlyMap<string, UnitRecord>): ClusterEvent[] {
  return decisions.flatMap((d): ClusterEvent[] => {
    const u = byName.get(d.unit);
    const assignment = { unit: d.unit, machineId: d.machineId, hash: u?.hash ?? '', desiredState: u?.desiredState ?? 'launched' };
    if (d.kind === 'assign') return [{ kind: 'schedule', type: 'put', unit: d.unit, machineId: d.machineId, revision: rev() }, { kind: 'assignment', type: 'put', assignment, revision: rev() }];
    if (d.kind === 'assign-global') return [{ kind: 'assignment', type: 'put', assignment, revision: rev() }];
    if (d.kind === 'unassign') return [{ kind: 'schedule', type: 'delete', unit: d.unit, revision: rev() }, { kind: 'assignment', type: 'delete', unit: d.unit, machineId: d.machineId, revision: rev() }];
    return [{ kind: 'assignment', type: 'delete', unit: d.unit, machineId: d.machineId, revision: rev() }];
  });
}

/** Wall time, and the process's CPU time (user + system), which a loaded box does not stretch as much. */
function time<T>(work: () => T): { ms: number; cpuMs: number; value: T } {
  const start = performance.now();
  const cpu = process.cpuUsage();
  const value = work();
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000, value };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round((s[Math.floor(s.length / 2)] ?? 0) * 10) / 10;
}

const capacity = { cpuMillis: 16_000, memoryBytes: 64 * 1024 ** 3 };
const all = units();
const start: ClusterSnapshot = {
  units: all,
  machines: Array.from({ length: MACHINES }, (_, i) => benchMachine(i, capacity)),
  schedule: new Map(),
  unitRevisions: new Map(all.map((u) => [u.name, rev()])),
  globalAssignments: new Map(),
  laggingAssignments: new Map(),
  revision: rev(),
};
const cache = new ClusterCache(start);
const first = time(() => planSchedule(cache.view()));
log(`first plan: ${first.value.decisions.length} decisions in ${Math.round(first.ms)} ms`);
const byName = new Map(all.map((u) => [u.name, u]));
for (const e of echoes(first.value.decisions, byName)) cache.apply(e);

/** One scenario: apply its events to the cache (marking dirty), then plan full and incremental from the same view. */
function scenario(name: string, events: () => ClusterEvent[]) {
  const fulls: number[] = [];
  const incs: number[] = [];
  const lives: number[] = [];
  const liveCpus: number[] = [];
  const views: number[] = [];
  let decisions = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const dirty: Dirty = emptyDirty();
    const list = events();
    for (const e of list) markEvent(dirty, e, cache.apply(e));
    const view = time(() => cache.view());
    const full = time(() => planSchedule(view.value));
    const scope = { units: dirty.units, machines: dirty.machines, globals: dirty.globals, retryUnscheduled: dirty.retryUnscheduled };
    const inc = time(() => planSchedule(view.value, undefined, { scope }));
    if (JSON.stringify(inc.value.decisions) !== JSON.stringify(full.value.decisions)) throw new Error(`${name}: incremental and full plans differ`);
    // What the leader runs: the scoped plan from its live view and placement state (loop/live-placement.ts), the
    // view included.
    const live = time(() => planSchedule(cache.liveView(), undefined, { scope, base: cache.live }));
    if (JSON.stringify(live.value.decisions) !== JSON.stringify(full.value.decisions)) throw new Error(`${name}: the plan from the live state and the full plan differ`);
    lives.push(live.ms);
    liveCpus.push(live.cpuMs);
    decisions = inc.value.decisions.length;
    for (const e of echoes(inc.value.decisions, new Map(view.value.units.map((u) => [u.name, u])))) cache.apply(e);
    views.push(view.ms);
    fulls.push(full.ms);
    incs.push(inc.ms);
  }
  figure(`${name}_full_plan`, median(fulls), 'ms');
  figure(`${name}_incremental_plan`, median(incs), 'ms');
  figure(`${name}_incremental_plan_live_state`, median(lives), 'ms');
  figure(`${name}_incremental_plan_live_state_cpu`, median(liveCpus), 'ms');
  figure(`${name}_cache_view`, median(views), 'ms');
  figure(`${name}_decisions`, decisions, 'count');
}

let next = 0;
scenario('submit_one_unit', () => {
  const r = rev();
  return [{ kind: 'unit', type: 'put', unit: makeUnitRecord(spec(`new-${next++}.service`), 'launched'), modRevision: r, revision: r }];
});
/** The next plain service stopped: its desired state, and the leader's own unassignment as it would echo back. */
function stopOneUnit(): ClusterEvent[] {
  const u = byName.get(`svc-${next++}.service`) as UnitRecord;
  const r = rev();
  const events: ClusterEvent[] = [{ kind: 'unit', type: 'put', unit: { ...u, desiredState: 'inactive' }, modRevision: r, revision: r }];
  const on = cache.view().schedule.get(u.name);
  if (on) events.push({ kind: 'schedule', type: 'delete', unit: u.name, revision: rev() }, { kind: 'assignment', type: 'delete', unit: u.name, machineId: on, revision: rev() });
  return events;
}
scenario('stop_one_unit', stopOneUnit);
let lost = 0;
scenario('lose_10_machines', () => Array.from({ length: 10 }, () => ({ kind: 'machine', type: 'delete', id: benchMachine(lost++, undefined).id, revision: rev() }) as ClusterEvent));

// 1,000 units that fit nowhere (no machine has role=gpu): a unit stopped frees room, and a plan must not try
// every unplaceable unit on every machine again for it.
for (let i = 0; i < 1000; i++) {
  const r = rev();
  const u = makeUnitRecord(spec(`gpu-${i}.service`, [['X-Fleet', 'MachineMetadata', 'role=gpu']]), 'launched');
  cache.apply({ kind: 'unit', type: 'put', unit: u, modRevision: r, revision: r });
}
scenario('stop_one_unit_1000_unplaceable', stopOneUnit);
