// Flotilla dashboard: plain ES module, run as written (no build step). One EventSource on /v2/events/stream
// gives a `snapshot` (the whole health report) and then `delta`s; lists are virtualised (only the rows in view
// exist in the DOM), so 10,000 units cost a few dozen elements. Text goes in with textContent only.
const ROW_HEIGHT = 22;
const OVERSCAN = 8;
const PROBLEM_HEALTH = new Set(['failed', 'unscheduled', 'lost', 'pending', 'unhealthy']);
const $ = (id) => document.getElementById(id);

/**
 * The token comes from `#token=…` once, then lives in sessionStorage. EventSource cannot send headers, so the
 * stream carries it as `access_token` (the one route that accepts it there); fetch sends the header.
 */
function token() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('flotilla-token', fromHash);
    history.replaceState(null, '', location.pathname);
  }
  return sessionStorage.getItem('flotilla-token') ?? '';
}
const withToken = (path) => (token() ? `${path}?access_token=${encodeURIComponent(token())}` : path);
const authHeaders = () => (token() ? { Authorization: `Bearer ${token()}` } : {});

class VirtualList {
  constructor(viewport, className, cells) {
    this.viewport = viewport;
    this.className = className;
    this.cells = cells; // item → [{text, attrs}]
    this.items = [];
    this.spacer = document.createElement('div');
    viewport.append(this.spacer);
    this.pool = [];
    this.frame = 0;
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }
  setItems(items) {
    this.items = items;
    this.spacer.style.height = `${items.length * ROW_HEIGHT}px`;
    this.schedule();
  }
  schedule() {
    this.frame ||= requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }
  row(i) {
    while (this.pool.length <= i) {
      const el = document.createElement('div');
      el.className = `row ${this.className}`;
      this.viewport.append(el);
      this.pool.push(el);
    }
    return this.pool[i];
  }
  draw() {
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const count = Math.min(this.items.length - first, Math.ceil(this.viewport.clientHeight / ROW_HEIGHT) + 2 * OVERSCAN);
    for (let i = 0; i < Math.max(count, 0); i++) {
      const el = this.row(i);
      const item = this.items[first + i];
      el.hidden = false;
      el.style.transform = `translateY(${(first + i) * ROW_HEIGHT}px)`;
      // Items are replaced, never mutated, on change: the same object means the row already shows it.
      if (el.item === item) continue;
      el.item = item;
      const cells = this.cells(item);
      for (const [k, v] of Object.entries(cells.attrs)) el.setAttribute(`data-${k}`, v);
      while (el.childElementCount < cells.text.length) el.append(document.createElement('span'));
      cells.text.forEach((t, j) => {
        const span = el.children[j];
        if (span.textContent !== t) {
          span.textContent = t;
          span.title = t;
        }
      });
    }
    for (let i = Math.max(count, 0); i < this.pool.length; i++) this.pool[i].hidden = true;
  }
}

const since = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '');
const state = { units: new Map(), machines: new Map(), events: [], summary: undefined, unitOrder: null, machineOrder: null };
const stats = { snapshots: 0, deltas: 0, lastApplyMs: 0, lastRenderMs: 0 };
window.__flotilla = stats;

const unitList = new VirtualList($('units'), 'units', (u) => ({
  text: [u.name, u.health, u.desired, u.actual, u.global ? `global (${u.machines ?? 0})` : (u.machineId ?? '-'), since(u.since), u.restarts === undefined ? '-' : String(u.restarts)],
  attrs: { unit: u.name, health: u.health, desired: u.desired, actual: u.actual, restarts: String(u.restarts ?? '') },
}));
// `scheduling`: schedulable, cordoned, draining or drained (docs/machine-lifecycle.md); down machines have none.
const machineList = new VirtualList($('machines'), 'machines', (m) => ({
  text: [m.id, m.status, m.scheduling ?? '-', m.ip ?? '-', String(m.units)],
  attrs: { machine: m.id, status: m.status, scheduling: m.scheduling ?? '' },
}));

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function sorted(map, order) {
  return order ?? [...map.keys()].sort(byName);
}

function unitMatches(u, text, health) {
  if (health === 'problem' ? !PROBLEM_HEALTH.has(u.health) : health && u.health !== health) return false;
  return !text || u.name.toLowerCase().includes(text) || (u.machineId ?? '').toLowerCase().includes(text);
}
function machineMatches(m, text) {
  if (!text) return true;
  const meta = Object.entries(m.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return `${m.id} ${m.ip ?? ''} ${meta} ${m.scheduling ?? ''}`.toLowerCase().includes(text);
}

function renderLists() {
  const t0 = performance.now();
  state.unitOrder = sorted(state.units, state.unitOrder);
  state.machineOrder = sorted(state.machines, state.machineOrder);
  const text = $('unit-search').value.trim().toLowerCase();
  const health = $('unit-health').value;
  const units = state.unitOrder.map((n) => state.units.get(n)).filter((u) => unitMatches(u, text, health));
  unitList.setItems(units);
  $('unit-shown').textContent = `${units.length} of ${state.units.size}`;
  const mtext = $('machine-search').value.trim().toLowerCase();
  const machines = state.machineOrder.map((id) => state.machines.get(id)).filter((m) => machineMatches(m, mtext));
  machineList.setItems(machines);
  $('machine-shown').textContent = `${machines.length} of ${state.machines.size}`;
  stats.lastRenderMs = performance.now() - t0;
}

function renderSummary(s) {
  $('status').dataset.status = s.status;
  $('status').textContent = s.status === 'ok' ? 'OK' : 'needs attention';
  $('leader').textContent = s.leader ?? '(none)';
  $('machine-counts').textContent = `machines: ${s.counts.machines.up} up, ${s.counts.machines.down} down`;
  const u = s.counts.units;
  $('unit-counts').textContent = `units: ${u.total} (${u.ok} ok, ${u.pending} pending, ${u.failed} failed, ${u.unscheduled} unscheduled, ${u.lost} lost, ${u.unhealthy ?? 0} unhealthy)`;
  $('problem-count').textContent = String(s.problems.length);
  $('problems').replaceChildren(
    ...s.problems.slice(0, 50).map((p) => Object.assign(document.createElement('li'), { textContent: `${p.kind}: ${p.detail}` })),
  );
}

function describe(e) {
  const on = e.machineId ? ` on ${e.machineId}` : '';
  const text = {
    placed: `${e.unit} placed${on}`,
    rescheduled: `${e.unit} moved ${e.fromMachineId ?? '?'} → ${e.machineId ?? '?'}`,
    unplaceable: `${e.unit} cannot be placed${e.reason ? `: ${e.reason}` : ''}`,
    'unit-failed': `${e.unit} failed${on}`,
    'machine-lost': `machine ${e.machineId} lost`,
    'machine-joined': `machine ${e.machineId} joined`,
  }[e.kind];
  return `${new Date(e.at).toLocaleTimeString()} ${text ?? e.kind}`;
}
function renderEvents() {
  state.events = state.events.slice(-200);
  $('events').replaceChildren(
    ...state.events.slice().reverse().map((e) => Object.assign(document.createElement('li'), { textContent: describe(e), className: e.kind })),
  );
}

function applySnapshot(r) {
  state.units = new Map(r.units.map((u) => [u.name, u]));
  state.machines = new Map(r.machines.map((m) => [m.id, m]));
  state.unitOrder = state.machineOrder = null;
  state.events = r.events;
  renderSummary(r);
  renderEvents();
  renderLists();
  stats.snapshots++;
}

function applyDelta(d) {
  const t0 = performance.now();
  for (const u of d.units.upsert) {
    if (!state.units.has(u.name)) state.unitOrder = null;
    state.units.set(u.name, u);
  }
  for (const n of d.units.remove) if (state.units.delete(n)) state.unitOrder = null;
  for (const m of d.machines.upsert) {
    if (!state.machines.has(m.id)) state.machineOrder = null;
    state.machines.set(m.id, m);
  }
  for (const id of d.machines.remove) if (state.machines.delete(id)) state.machineOrder = null;
  if (d.events.length > 0) {
    state.events.push(...d.events);
    renderEvents();
  }
  renderSummary(d.summary);
  renderLists();
  stats.deltas++;
  stats.lastApplyMs = performance.now() - t0;
}

function connect() {
  const source = new EventSource(withToken('/v2/events/stream'));
  source.addEventListener('open', () => ($('conn').dataset.conn = 'live', $('conn').textContent = 'live'));
  source.addEventListener('snapshot', (m) => applySnapshot(JSON.parse(m.data)));
  source.addEventListener('delta', (m) => applyDelta(JSON.parse(m.data)));
  source.addEventListener('error', async () => {
    $('conn').dataset.conn = 'reconnecting';
    $('conn').textContent = 'reconnecting';
    // EventSource hides the status: ask once whether the token is what failed.
    const probe = await fetch('/v2/health', { method: 'HEAD', headers: authHeaders() }).catch(() => undefined);
    if (probe?.status === 401) {
      source.close();
      $('token-dialog').showModal();
    }
  });
}

$('token-dialog').addEventListener('close', () => {
  sessionStorage.setItem('flotilla-token', $('token-input').value.trim());
  connect();
});
for (const id of ['unit-search', 'unit-health', 'machine-search']) $(id).addEventListener('input', renderLists);
connect();
