// Words for what the dashboard shows: machines by hostname (the ID is for hover and the detail page) and
// events as sentences, e.g. "web@2.service moved m3 → m1 (rebalance)".
export const since = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');

/** `id` → the machine's hostname, else the ID's first 8 characters. */
export function hostOf(machines, id) {
  if (!id) return '?';
  return machines.get(id)?.hostname || id.slice(0, 8);
}

export function describeEvent(e, machines) {
  const host = (id) => hostOf(machines, id);
  const why = e.reason ? ` (${e.reason})` : '';
  const on = e.machineId ? ` on ${host(e.machineId)}` : '';
  const text = {
    placed: e.unit ? `${e.unit} placed${on}${why}` : `placed${why}`,
    rescheduled: `${e.unit} moved ${host(e.fromMachineId)} → ${host(e.machineId)}${why}`,
    unplaceable: `${e.unit} cannot be placed${e.reason ? `: ${e.reason}` : ''}`,
    'unit-failed': `${e.unit} failed${on}${why}`,
    'machine-lost': `machine ${host(e.machineId)} lost`,
    'machine-joined': `machine ${host(e.machineId)} joined`,
  }[e.kind];
  return `${new Date(e.at).toLocaleTimeString()} ${text ?? e.kind}`;
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
