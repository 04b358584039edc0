// Words for what the dashboard shows: machines by hostname (the ID is for hover and the detail page) and
// events as sentences, e.g. "web@2.service moved m3 → m1 (rebalance)".
export const since = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');

/** `id` → the machine's hostname, else the ID's first 8 characters. */
export function hostOf(machines, id) {
  if (!id) return '?';
  return machines.get(id)?.hostname || id.slice(0, 8);
}

// A move's cause in words (machine-lost reads "rescheduled … (machine … lost)"); as health/event-sentence.ts,
// which the same test table holds this to.
const CAUSE_WORDS = { rebalance: 'rebalance', drain: 'drain', replaces: 'Replaces=', rule: 'no longer fits there' };
const said = (reason) => (reason && reason !== 'failed' ? ` (${reason})` : '');

/** The entry as a sentence; `host(id)` names a machine. */
export function eventSentence(e, host) {
  const on = e.machineId ? ` on ${host(e.machineId)}` : '';
  const after = e.restarts ? ` after ${e.restarts} restart${e.restarts === 1 ? '' : 's'}` : '';
  const moved = e.cause === 'machine-lost'
    ? `${e.unit} rescheduled to ${host(e.machineId)} (machine ${host(e.fromMachineId)} lost)`
    : `${e.unit} moved ${host(e.fromMachineId)} → ${host(e.machineId)}${e.cause && Object.hasOwn(CAUSE_WORDS, e.cause) ? ` (${CAUSE_WORDS[e.cause]})` : said(e.reason)}`;
  return {
    placed: e.unit ? `${e.unit} placed${on}${said(e.reason)}` : `placed${said(e.reason)}`,
    rescheduled: moved,
    unplaceable: `${e.unit} cannot be placed${e.reason ? `: ${e.reason}` : ''}`,
    'unit-failed': `${e.unit} failed${after}${on}${said(e.reason)}`,
    'machine-lost': `machine ${host(e.machineId)} lost`,
    'machine-joined': `machine ${host(e.machineId)} joined`,
    deployment: `${e.unit} deployment: ${e.reason ?? ''}`,
  }[e.kind] ?? e.kind;
}

export function describeEvent(e, machines) {
  return `${new Date(e.at).toLocaleTimeString()} ${eventSentence(e, (id) => hostOf(machines, id))}`;
}

const GIB = 1024 ** 3;
/** "1.5 CPU, 2.0 GiB" for a capacity; '-' when unknown. */
export function capacityText(c) {
  if (!c) return '-';
  return `${(c.cpuMillis / 1000).toFixed(1)} CPU, ${(c.memoryBytes / GIB).toFixed(1)} GiB`;
}

/** The machine's state in one word: down, draining, drained, cordoned or up. */
export function machineState(m) {
  if (m.status === 'down') return 'down';
  return m.scheduling && m.scheduling !== 'schedulable' ? m.scheduling : 'up';
}

/** A deployment's progress (core's deploymentProgress, as the health report carries it) in words, as
 * `flotilla deploy` prints it: "running: batch 1/3, 1/3 healthy on 3f2a9c1". */
export function deploymentText(p) {
  if (!p) return '-';
  const what = p.waitingPromotion ? 'waiting for promotion' : p.state;
  const moving = p.active ? `: batch ${p.batch}/${p.batches}, ${p.healthy}/${p.total} healthy on ${p.target.slice(0, 7)}` : '';
  return `${what}${p.rollback ? ' (rollback)' : ''}${moving}${p.reason && !p.active ? ` (${p.reason})` : ''}`;
}
