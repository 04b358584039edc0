// One unit's page (`#/unit/<name>`): what it is (its unit file), where it runs and why there (the reason of the
// placement that put it there, from the event log), its state, restarts and health check, the actions, its
// status and a live journal (follow) when this agent runs it, and its history of placements and moves.
import { scaleAction, unitActions } from './actions.js';
import { describeEvent, hostOf, since } from './describe.js';
import { api, ApiError, streamLines } from './session.js';

function make(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

const MOVES = new Set(['placed', 'rescheduled', 'unplaceable', 'unit-failed']);
const JOURNAL_KEEP = 500;

/** `app@3.service` / `app@.service` → `app@.service`; else undefined. */
export function templateOf(name) {
  const m = /^(.+)@[^@.]*(\.[A-Za-z]+)$/.exec(name);
  return m ? `${m[1]}@${m[2]}` : undefined;
}
const numberedInstances = (units, template) => {
  const [head, tail] = template.split('@');
  return [...units.keys()].filter((n) => n.startsWith(`${head}@`) && n.endsWith(tail) && /^\d+$/.test(n.slice(head.length + 1, n.length - tail.length))).length;
};

function unitFileText(options) {
  const out = [];
  let section;
  for (const o of options) {
    if (o.section !== section) {
      if (section !== undefined) out.push('');
      out.push(`[${o.section}]`);
      section = o.section;
    }
    out.push(`${o.name}=${o.value}`);
  }
  return out.join('\n');
}

export class UnitPage {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // {state, act(action)}
    this.name = undefined;
    this.history = [];
    this.follow = undefined;
  }

  open(name) {
    this.close();
    this.name = name;
    this.history = [];
    this.follow = new AbortController();
    const { signal } = this.follow;
    const facts = make('dl', { id: 'unit-facts' });
    const actions = make('div', { className: 'actions', id: 'unit-actions' });
    for (const verb of ['start', 'stop', 'restart', 'destroy']) {
      actions.append(make('button', { type: 'button', textContent: verb, className: verb, onclick: () => this.ctx.act(unitActions(name)[verb]) }));
    }
    const template = templateOf(name);
    if (template) {
      const count = make('input', { id: 'scale-count', type: 'number', min: '0', max: '1000', value: String(numberedInstances(this.ctx.state.units, template)) });
      count.setAttribute('aria-label', `instances of ${template}`);
      // Follows the running count until the user types a number of their own.
      count.addEventListener('input', () => (this.countEdited = true), { once: true });
      this.countEdited = false;
      this.count = count;
      this.template = template;
      const form = make('form', { className: 'scale', id: 'scale-form' }, [make('label', { textContent: `instances of ${template} ` }, [count]), make('button', { textContent: 'scale' })]);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        this.ctx.act(scaleAction(template, Number(count.value), numberedInstances(this.ctx.state.units, template)));
        this.countEdited = false;
      });
      actions.append(form);
      // Its service's versions, deployments and rollback (service-page.js).
      actions.append(make('a', { id: 'unit-service-link', href: `#/service/${encodeURIComponent(template)}`, textContent: `deployments of ${template}` }));
    }
    else this.count = undefined;
    if (!template && this.ctx.state.units.get(name)?.global) {
      actions.append(make('a', { id: 'unit-service-link', href: `#/service/${encodeURIComponent(name)}`, textContent: `deployments of ${name}` }));
    }
    this.file = make('pre', { id: 'unit-file', textContent: '…' });
    this.status = make('pre', { id: 'unit-status', textContent: '…' });
    this.journal = make('pre', { id: 'unit-journal', tabIndex: 0 });
    this.journal.setAttribute('aria-live', 'off');
    this.historyList = make('ol', { id: 'unit-history' });
    this.facts = facts;
    this.root.replaceChildren(
      make('nav', {}, [make('a', { href: '#', textContent: '← all units' })]),
      make('h2', { id: 'unit-name', textContent: name }),
      actions,
      facts,
      make('h3', { textContent: 'History' }),
      this.historyList,
      make('h3', { textContent: 'Journal (live)' }),
      this.journal,
      make('h3', { textContent: 'Status' }),
      this.status,
      make('h3', { textContent: 'Unit file' }),
      this.file,
    );
    this.root.hidden = false;
    this.root.querySelector('h2').focus?.();
    this.update();
    api('GET', `/fleet/v1/units/${encodeURIComponent(name)}`)
      .then((u) => (this.file.textContent = unitFileText(u.options ?? [])))
      .catch((err) => (this.file.textContent = `unit file unavailable: ${err.message}`));
    api('GET', '/v2/events?limit=1000')
      .then((r) => {
        this.history = r.events.filter((e) => e.unit === name);
        this.update();
      })
      .catch(() => undefined);
    this.loadHere(name, signal);
  }

  /** Status and journal are served by the agent that runs the unit; elsewhere they say where to look. */
  async loadHere(name, signal) {
    const path = `/v2/units/${encodeURIComponent(name)}`;
    try {
      this.status.textContent = await api('GET', `${path}/status`);
    } catch (err) {
      this.status.textContent = this.elsewhere(err);
      this.journal.textContent = this.status.textContent;
      return;
    }
    this.journal.textContent = '';
    streamLines(`${path}/journal?follow=true&lines=50`, (line) => {
      // Keeps to the end while the reader is there; scrolled up, the view stays put.
      const atEnd = this.journal.scrollTop + this.journal.clientHeight >= this.journal.scrollHeight - 4;
      this.journal.append(make('div', { textContent: line }));
      while (this.journal.childElementCount > JOURNAL_KEEP) this.journal.firstElementChild.remove();
      if (atEnd) this.journal.scrollTop = this.journal.scrollHeight;
    }, signal).catch((err) => {
      if (!signal.aborted) this.journal.append(make('div', { className: 'error', textContent: `journal ended: ${err.message}` }));
    });
  }

  elsewhere(err) {
    const u = this.ctx.state.units.get(this.name);
    const m = u?.machineId ? this.ctx.state.machines.get(u.machineId) : undefined;
    if (err instanceof ApiError && err.code === 404 && m) {
      return `runs on ${m.hostname || m.id}: its status and journal are served by that machine's API${m.apiUrl ? ` (${m.apiUrl})` : ''}`;
    }
    return `unavailable: ${err.message}`;
  }

  /** New events for this unit from the stream. */
  addEvents(events) {
    if (!this.name) return;
    const mine = events.filter((e) => e.unit === this.name);
    if (mine.length === 0) return;
    this.history.push(...mine);
    this.update();
  }

  update() {
    if (!this.name) return;
    const { units, machines } = this.ctx.state;
    const u = units.get(this.name);
    const moves = this.history.filter((e) => MOVES.has(e.kind));
    const placedBy = [...moves].reverse().find((e) => (e.kind === 'placed' || e.kind === 'rescheduled') && e.machineId === u?.machineId);
    const unplaceable = [...moves].reverse().find((e) => e.kind === 'unplaceable');
    if (this.count && !this.countEdited) this.count.value = String(numberedInstances(units, this.template));
    const where = !u ? '-' : u.global ? `every matching machine (${u.machines ?? 0})` : u.machineId ? hostOf(machines, u.machineId) : 'not placed';
    const rows = [
      ['state', u ? `${u.desired} → ${u.actual}` : 'destroyed', { health: u?.health ?? '' }],
      ['health', u?.health ?? '-'],
      ['runs on', where, { machine: u?.machineId ?? '' }],
      ['why there', placedBy?.reason ?? (u?.machineId ? '(no reason recorded)' : unplaceable?.reason ?? '-')],
      ['since', since(u?.since)],
      ['restarts', u?.restarts === undefined ? '-' : String(u.restarts)],
      ['health check', u?.check ?? '-'],
    ];
    this.facts.replaceChildren(
      ...rows.flatMap(([k, v, attrs]) => {
        const dd = make('dd', { textContent: v });
        for (const [a, val] of Object.entries(attrs ?? {})) dd.dataset[a] = val;
        if (k === 'runs on' && u?.machineId) {
          dd.replaceChildren(make('a', { href: `#/machine/${encodeURIComponent(u.machineId)}`, textContent: v, title: u.machineId }));
        }
        return [make('dt', { textContent: k }), dd];
      }),
    );
    this.facts.dataset.actual = u?.actual ?? 'destroyed';
    this.facts.dataset.desired = u?.desired ?? '';
    this.historyList.replaceChildren(...moves.slice(-100).reverse().map((e) => make('li', { className: e.kind, textContent: describeEvent(e, machines) })));
  }

  close() {
    this.follow?.abort();
    this.follow = undefined;
    this.name = undefined;
    this.root.hidden = true;
  }
}
