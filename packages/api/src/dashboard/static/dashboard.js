// Flotilla dashboard: plain ES modules, run as written (no build step). One EventSource on /v2/events/stream
// gives a `snapshot` (the whole health report) and then `delta`s; lists are virtualised (virtual-list.js).
// Behind the API's token (session.js: a login form, kept in sessionStorage). Pages by hash: `#/unit/<name>`
// (unit-page.js), `#/machine/<id>` (machine-page.js), `#/service/<name>` (service-page.js); actions
// (actions.js) show progress until the stream reports their result. Text goes in with textContent only.
import { checkActions, runAction, timings } from './actions.js';
import { deploymentText, describeEvent, hostOf, machineState, since } from './describe.js';
import { MachinePage } from './machine-page.js';
import { ServicePage } from './service-page.js';
import { clearToken, probe, setToken, streamUrl, takeHashToken, whenUnauthorized } from './session.js';
import { UnitPage } from './unit-page.js';
import { VirtualList } from './virtual-list.js';

const PROBLEM_HEALTH = new Set(['failed', 'unscheduled', 'lost', 'pending', 'unhealthy']);
const $ = (id) => document.getElementById(id);

const state = { units: new Map(), machines: new Map(), services: new Map(), events: [], summary: undefined, unitOrder: null, machineOrder: null };
const stats = { snapshots: 0, deltas: 0, lastApplyMs: 0, lastRenderMs: 0, actions: timings };
window.__flotilla = stats;

const act = (action) => runAction(action, state);
const unitPage = new UnitPage($('unit-page'), { state, act });
const machinePage = new MachinePage($('machine-page'), { state, act });
const servicePage = new ServicePage($('service-page'), { state, act });

const unitList = new VirtualList($('units'), 'units', (u) => {
  const where = u.global ? `global (${u.machines ?? 0})` : u.machineId ? hostOf(state.machines, u.machineId) : '-';
  return {
    text: [u.name, u.health, u.desired, u.actual, where, since(u.since), u.restarts === undefined ? '-' : String(u.restarts)],
    titles: [u.name, u.health, u.desired, u.actual, u.machineId ?? where],
    attrs: { unit: u.name, health: u.health, desired: u.desired, actual: u.actual, restarts: String(u.restarts ?? '') },
    href: `#/unit/${encodeURIComponent(u.name)}`,
  };
});
// `scheduling`: schedulable, cordoned, draining or drained (docs/machine-lifecycle.md); down machines have none.
const machineList = new VirtualList($('machines'), 'machines', (m) => ({
  text: [m.hostname || m.id, m.status, machineState(m), m.ip ?? '-', String(m.units)],
  titles: [`${m.hostname ?? ''} ${m.id}`.trim()],
  attrs: { machine: m.id, status: m.status, scheduling: m.scheduling ?? '', state: machineState(m) },
  href: `#/machine/${encodeURIComponent(m.id)}`,
}));

const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
function sorted(map, order) {
  return order ?? [...map.keys()].sort(byName);
}

// Search keys, lower-cased once per unit or machine record rather than once per filtering: records are
// replaced, never mutated, on change, so a key made for a record stays right for it. A unit's key joins its name
// and machine ID with a newline, which a one-line search text cannot match across.
const unitKeys = new WeakMap();
const machineKeys = new WeakMap();
function keyOf(keys, item, make) {
  let key = keys.get(item);
  if (key === undefined) keys.set(item, (key = make(item).toLowerCase()));
  return key;
}
const unitKey = (u) => keyOf(unitKeys, u, () => `${u.name}\n${u.machineId ?? ''}`);
const machineKey = (m) => keyOf(machineKeys, m, () => {
  const meta = Object.entries(m.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(',');
  return `${m.hostname ?? ''} ${m.id} ${m.ip ?? ''} ${meta} ${machineState(m)}`;
});

/** `hosts`: machine ID → lower-case hostname, made once per filtering, not once per unit. */
function unitMatches(u, text, health, hosts) {
  if (health === 'problem' ? !PROBLEM_HEALTH.has(u.health) : health && u.health !== health) return false;
  if (!text) return true;
  return unitKey(u).includes(text) || (hosts.get(u.machineId) ?? '').includes(text);
}
const lowerHosts = () => new Map([...state.machines.values()].map((m) => [m.id, (m.hostname ?? '').toLowerCase()]));
const machineMatches = (m, text) => !text || machineKey(m).includes(text);

/** The unit list as last filtered, so a delta that changes a few shown units can replace them in place. */
const shownUnits = { items: [], text: '', health: '', index: null };

/**
 * Filters the units again, unless `changed` (unit names) can be patched into the rows already filtered: the same
 * filter, no unit added or removed, no machine changed under a text filter (it matches hostnames), and every
 * changed unit either still shown or still hidden. Then a delta costs its own units, not 10,000.
 */
function renderUnits(changed, machinesChanged) {
  const text = $('unit-search').value.trim().toLowerCase();
  const health = $('unit-health').value;
  const hosts = text ? lowerHosts() : undefined;
  if (changed && state.unitOrder && text === shownUnits.text && health === shownUnits.health && !(text && machinesChanged)) {
    shownUnits.index ??= new Map(shownUnits.items.map((u, i) => [u.name, i]));
    const patches = [];
    for (const name of changed) {
      const u = state.units.get(name);
      const i = shownUnits.index.get(name);
      const matches = u !== undefined && unitMatches(u, text, health, hosts);
      if (i !== undefined && matches) patches.push([i, u]);
      else if (i !== undefined || matches) return renderUnits(undefined);
    }
    for (const [i, u] of patches) shownUnits.items[i] = u;
    unitList.setItems(shownUnits.items);
    return;
  }
  state.unitOrder = sorted(state.units, state.unitOrder);
  const units = state.unitOrder.map((n) => state.units.get(n)).filter((u) => unitMatches(u, text, health, hosts));
  Object.assign(shownUnits, { items: units, text, health, index: null });
  unitList.setItems(units);
  $('unit-shown').textContent = `${units.length} of ${state.units.size}`;
}

function renderMachines() {
  state.machineOrder = sorted(state.machines, state.machineOrder);
  const mtext = $('machine-search').value.trim().toLowerCase();
  const machines = state.machineOrder.map((id) => state.machines.get(id)).filter((m) => machineMatches(m, mtext));
  machineList.setItems(machines);
  $('machine-shown').textContent = `${machines.length} of ${state.machines.size}`;
}

// Services and global units (docs/deployments.md): few, so drawn whole on a change, not virtualised.
function serviceRow(s) {
  const cells = [s.kind === 'global' ? `${s.name} (global)` : s.name, `${s.running}/${s.desired}`, s.hash.slice(0, 7), deploymentText(s.deployment)];
  const row = Object.assign(document.createElement('a'), { className: 'row services', href: `#/service/${encodeURIComponent(s.name)}` });
  row.dataset.service = s.name;
  row.dataset.deployment = s.deployment?.state ?? '';
  row.append(...cells.map((t) => Object.assign(document.createElement('span'), { textContent: t, title: t })));
  return row;
}
function renderServices() {
  const services = [...state.services.values()].sort((a, b) => byName(a.name, b.name));
  $('services').replaceChildren(...services.map(serviceRow));
  $('service-count').textContent = String(services.length);
}

function renderLists() {
  const t0 = performance.now();
  renderUnits();
  renderMachines();
  stats.lastRenderMs = performance.now() - t0;
}

function renderSummary(s) {
  $('status').dataset.status = s.status;
  $('status').textContent = s.status === 'ok' ? 'OK' : 'needs attention';
  $('leader').textContent = s.leader ? hostOf(state.machines, s.leader) : '(none)';
  $('leader').title = s.leader ?? '';
  $('machine-counts').textContent = `machines: ${s.counts.machines.up} up, ${s.counts.machines.down} down`;
  const u = s.counts.units;
  $('unit-counts').textContent = `units: ${u.total} (${u.ok} ok, ${u.pending} pending, ${u.failed} failed, ${u.unscheduled} unscheduled, ${u.lost} lost, ${u.unhealthy ?? 0} unhealthy)`;
  $('problem-count').textContent = String(s.problems.length);
  $('problems').replaceChildren(
    ...s.problems.slice(0, 50).map((p) => Object.assign(document.createElement('li'), { textContent: `${p.kind}: ${p.detail}` })),
  );
}

// Each entry's <li>, made once: a delta's new entries are described, the rest are reused. Cleared when a
// machine's hostname changes (sentences name machines by hostname).
let eventItems = new WeakMap();
function eventItem(e) {
  let li = eventItems.get(e);
  if (!li) eventItems.set(e, (li = Object.assign(document.createElement('li'), { textContent: describeEvent(e, state.machines), className: e.kind })));
  return li;
}

function renderEvents() {
  state.events = state.events.slice(-200);
  $('events').replaceChildren(...state.events.slice().reverse().map(eventItem));
}

function renderPages() {
  unitPage.update();
  machinePage.update();
  servicePage.update();
  checkActions(state);
}

// Deltas are merged into `state` as they arrive and drawn once per animation frame: a burst of deltas costs one
// render, and a hidden tab, whose frames do not run, renders none until it is shown. `pending` says what to draw.
const pending = { all: false, summary: false, events: false, machines: false, hosts: false, services: false, units: new Set(), applyMs: 0 };
let frame = 0;
function scheduleRender() {
  frame ||= requestAnimationFrame(renderFrame);
}

function renderFrame() {
  frame = 0;
  const t0 = performance.now();
  const { all, machines } = pending;
  if (all || pending.hosts) eventItems = new WeakMap();
  if (all || pending.summary) renderSummary(state.summary);
  if (all || pending.events) renderEvents();
  if (all || pending.services) renderServices();
  if (all) renderLists();
  else {
    if (pending.units.size > 0 || (machines && $('unit-search').value.trim())) renderUnits(pending.units, machines);
    if (machines) renderMachines();
  }
  renderPages();
  unitList.flush();
  machineList.flush();
  stats.lastApplyMs = pending.applyMs + performance.now() - t0;
  Object.assign(pending, { all: false, summary: false, events: false, machines: false, hosts: false, services: false, units: new Set(), applyMs: 0 });
}

function applySnapshot(r) {
  state.units = new Map(r.units.map((u) => [u.name, u]));
  state.machines = new Map(r.machines.map((m) => [m.id, m]));
  state.services = new Map((r.services ?? []).map((s) => [s.name, s]));
  state.unitOrder = state.machineOrder = null;
  state.events = r.events;
  state.summary = r;
  pending.all = true;
  scheduleRender();
  stats.snapshots++;
}

function applyDelta(d) {
  const t0 = performance.now();
  for (const u of d.units.upsert) {
    if (!state.units.has(u.name)) state.unitOrder = null;
    state.units.set(u.name, u);
    pending.units.add(u.name);
  }
  for (const n of d.units.remove) {
    if (state.units.delete(n)) state.unitOrder = null;
    pending.units.add(n);
  }
  for (const m of d.machines.upsert) {
    const before = state.machines.get(m.id);
    if (!before) state.machineOrder = null;
    if (before?.hostname !== m.hostname) pending.hosts = true;
    state.machines.set(m.id, m);
  }
  for (const id of d.machines.remove) {
    if (state.machines.delete(id)) state.machineOrder = null;
    pending.hosts = true;
  }
  pending.machines ||= d.machines.upsert.length + d.machines.remove.length > 0;
  for (const s of d.services?.upsert ?? []) state.services.set(s.name, s);
  for (const n of d.services?.remove ?? []) state.services.delete(n);
  pending.services ||= (d.services?.upsert.length ?? 0) + (d.services?.remove.length ?? 0) > 0;
  if (d.events.length > 0) {
    state.events.push(...d.events);
    pending.events = true;
    unitPage.addEvents(d.events);
  }
  state.summary = d.summary;
  pending.summary = true;
  pending.applyMs += performance.now() - t0;
  scheduleRender();
  stats.deltas++;
}

let source;
/** A stream the browser gave up on (an HTTP error: EventSource never retries those) is opened again after this
 * delay, doubled per failure up to 10 s: a 503 while the agent starts, a 429 past the stream cap or a probe that
 * got no answer must not leave the page stuck at "reconnecting". */
let retryMs = 1000;
let retryTimer;
function connect() {
  clearTimeout(retryTimer);
  source?.close();
  const own = new EventSource(streamUrl('/v2/events/stream'));
  source = own;
  own.addEventListener('open', () => (retryMs = 1000, $('conn').dataset.conn = 'live', $('conn').textContent = 'live'));
  own.addEventListener('snapshot', (m) => applySnapshot(JSON.parse(m.data)));
  own.addEventListener('delta', (m) => applyDelta(JSON.parse(m.data)));
  own.addEventListener('error', async () => {
    $('conn').dataset.conn = 'reconnecting';
    $('conn').textContent = 'reconnecting';
    // EventSource hides the status: ask once whether the token is what failed.
    const verdict = await probe();
    if (source !== own) return; // logged out or reconnected meanwhile
    if (verdict === 'refused') return showLogin('The API refused this token.');
    if (own.readyState === EventSource.CLOSED) {
      retryTimer = setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    }
  });
}

function showLogin(message = '') {
  clearTimeout(retryTimer);
  source?.close();
  source = undefined;
  $('conn').dataset.conn = 'logged-out';
  $('conn').textContent = 'logged out';
  $('login-error').textContent = message;
  $('login').hidden = false;
  $('app').hidden = true;
  $('token-input').focus();
}

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  setToken($('token-input').value.trim());
  const verdict = await probe();
  if (verdict !== 'ok') {
    $('login-error').textContent = verdict === 'refused' ? 'The API refused this token.' : 'The API does not answer.';
    return;
  }
  $('token-input').value = '';
  $('login').hidden = true;
  $('app').hidden = false;
  connect();
  unitPage.close();
  machinePage.close();
  servicePage.close();
  route();
});
$('logout').addEventListener('click', () => {
  clearToken();
  showLogin();
});
whenUnauthorized(() => showLogin('The API refused this token.'));

function route() {
  const [, kind, rest] = /^#\/(unit|machine|service)\/(.+)$/.exec(location.hash) ?? [];
  const name = rest ? decodeURIComponent(rest) : undefined;
  if (kind === 'unit' && name !== unitPage.name) unitPage.open(name);
  if (kind !== 'unit') unitPage.close();
  if (kind === 'machine' && name !== machinePage.id) machinePage.open(name);
  if (kind !== 'machine') machinePage.close();
  if (kind === 'service' && name !== servicePage.name) servicePage.open(name);
  if (kind !== 'service') servicePage.close();
  $('overview').hidden = Boolean(kind);
  if (!kind) renderLists();
}

for (const id of ['unit-search', 'unit-health', 'machine-search']) $(id).addEventListener('input', renderLists);
window.addEventListener('hashchange', route);

takeHashToken();
// No probe first: it would cost a whole health report before the stream's own. A stream refused for the token
// shows the login form (the error handler's probe), as does any 401 of the page's requests.
connect();
route();
