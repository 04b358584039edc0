// One machine's page (`#/machine/<id>`): hostname and ID, address, state (up, down, cordoned, draining,
// drained), metadata, capacity and use, the units placed there, and cordon / drain / uncordon.
import { machineActions } from './actions.js';
import { capacityText, machineState, since } from './describe.js';

function make(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

export class MachinePage {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // {state, act(action)}
    this.id = undefined;
  }

  open(id) {
    this.id = id;
    this.facts = make('dl', { id: 'machine-facts' });
    this.unitList = make('ul', { id: 'machine-units' });
    this.heading = make('h2', { id: 'machine-name' });
    const actions = make('div', { className: 'actions', id: 'machine-actions' });
    for (const verb of ['cordon', 'drain', 'uncordon']) {
      actions.append(make('button', { type: 'button', textContent: verb, className: verb, onclick: () => this.act(verb) }));
    }
    this.root.replaceChildren(make('nav', {}, [make('a', { href: '#', textContent: '← all machines' })]), this.heading, actions, this.facts, make('h3', { textContent: 'Units here' }), this.unitList);
    this.root.hidden = false;
    this.update();
  }

  act(verb) {
    const m = this.ctx.state.machines.get(this.id);
    this.ctx.act(machineActions(this.id, m?.hostname || this.id)[verb]);
  }

  update() {
    if (!this.id) return;
    const { machines, units } = this.ctx.state;
    const m = machines.get(this.id);
    this.heading.textContent = m?.hostname || this.id;
    this.heading.title = this.id;
    const meta = Object.entries(m?.metadata ?? {}).map(([k, v]) => `${k}=${v}`).join(', ');
    const drain = m?.cordon?.drain;
    const rows = [
      ['state', m ? machineState(m) : 'gone'],
      ['machine ID', this.id],
      ['address', m?.ip ?? '-'],
      ['metadata', meta || '-'],
      ['capacity', capacityText(m?.capacity)],
      ['in use', capacityText(m?.used)],
      ['units', String(m?.units ?? 0)],
      ['cordoned since', since(m?.cordon?.since) || '-'],
      ['drain deadline', drain?.deadlineAt ? new Date(drain.deadlineAt).toLocaleTimeString() : '-'],
      ['API', m?.apiUrl ?? '-'],
      ['last seen', since(m?.lastSeen) || '-'],
    ];
    this.facts.replaceChildren(...rows.flatMap(([k, v]) => [make('dt', { textContent: k }), make('dd', { textContent: v })]));
    this.facts.dataset.state = m ? machineState(m) : 'gone';
    const here = [...units.values()].filter((u) => u.machineId === this.id).map((u) => u.name).sort();
    this.unitList.replaceChildren(...here.slice(0, 500).map((n) => make('li', {}, [make('a', { href: `#/unit/${encodeURIComponent(n)}`, textContent: n })])));
  }

  close() {
    this.id = undefined;
    this.root.hidden = true;
  }
}
