// One service's page (`#/service/<name>`, a template or a global unit; docs/ops.md): its count, version and
// latest deployment live from the stream, Promote while its canaries wait, Rollback (to the last healthy version)
// and "roll back to this" on each version of its history. The history is read from `/v2/deployments/<name>`
// when the page opens and again whenever the stream shows the deployment change (a step, a result, a new one).
import { deploymentActions } from './actions.js';
import { deploymentText } from './describe.js';
import { api, ApiError } from './session.js';

function make(tag, props = {}, children = []) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}
const when = (ms) => new Date(ms).toLocaleString();

export class ServicePage {
  constructor(root, ctx) {
    this.root = root;
    this.ctx = ctx; // {state, act(action)}
    this.name = undefined;
  }

  open(name) {
    this.name = name;
    this.seen = undefined;
    this.heading = make('h2', { id: 'service-name', textContent: name });
    this.facts = make('dl', { id: 'service-facts' });
    this.promote = make('button', { type: 'button', textContent: 'promote', className: 'promote', hidden: true, onclick: () => this.ctx.act(deploymentActions(name).promote) });
    const rollback = make('button', { type: 'button', textContent: 'roll back', className: 'rollback danger', onclick: () => this.ctx.act(deploymentActions(name).rollback()) });
    this.history = make('tbody', { id: 'service-history' });
    this.historyNote = make('p', { id: 'service-history-note' });
    const table = make('table', { className: 'history' }, [
      make('thead', {}, [make('tr', {}, ['version', 'deployed', 'result', 'deployment', ''].map((t) => make('th', { textContent: t })))]),
      this.history,
    ]);
    this.root.replaceChildren(
      make('nav', {}, [make('a', { href: '#', textContent: '← all services' })]),
      this.heading,
      make('div', { className: 'actions', id: 'service-actions' }, [this.promote, rollback]),
      this.facts,
      make('h3', { textContent: 'History (newest first)' }),
      table,
      this.historyNote,
    );
    this.root.hidden = false;
    this.update();
  }

  update() {
    if (!this.name) return;
    const s = this.ctx.state.services.get(this.name);
    const d = s?.deployment;
    const rows = [
      ['kind', s ? (s.kind === 'global' ? 'global unit' : 'service') : 'gone'],
      [s?.kind === 'global' ? 'machines' : 'instances', s ? `${s.running} running of ${s.desired}` : '-'],
      ['version', s ? s.hash.slice(0, 7) : '-'],
      ['deployment', d ? `${d.id} ${deploymentText(d)}` : 'none yet'],
      ['started', d ? when(d.createdAt) : '-'],
    ];
    this.facts.replaceChildren(...rows.flatMap(([k, v]) => [make('dt', { textContent: k }), make('dd', { textContent: v })]));
    this.facts.dataset.state = d?.state ?? (s ? 'none' : 'gone');
    this.promote.hidden = !d?.waitingPromotion;
    // A new step of the deployment (or a new one, or a new version) may have changed the history: read it again.
    const seen = JSON.stringify([s?.hash, d?.id, d?.state, d?.updatedAt]);
    if (seen !== this.seen) {
      this.seen = seen;
      void this.loadHistory();
    }
  }

  async loadHistory() {
    const name = this.name;
    const n = (this.loads = (this.loads ?? 0) + 1);
    const stale = () => name !== this.name || n !== this.loads; // a newer read (or another page) took over
    let reply;
    try {
      reply = await api('GET', `/v2/deployments/${encodeURIComponent(name)}`);
    } catch (err) {
      if (stale()) return;
      this.history.replaceChildren();
      this.historyNote.textContent = err instanceof ApiError && err.code === 404 ? 'No deployment yet: the history starts with the first one.' : `history unavailable: ${err.message}`;
      return;
    }
    if (stale()) return;
    const current = this.ctx.state.services.get(name)?.hash;
    const versions = [...(reply.history?.versions ?? [])].reverse();
    this.historyNote.textContent = '';
    // A version deployed twice is listed twice: "current" on its newest entry only, no button on either.
    let marked = false;
    this.history.replaceChildren(...versions.map((v) => {
      const isCurrent = v.hash === current;
      const back = isCurrent ? make('span', { textContent: marked ? '' : 'current' }) : make('button', {
        type: 'button', className: 'rollback-to', textContent: 'roll back to this', onclick: () => this.ctx.act(deploymentActions(name).rollback(v.hash)),
      });
      const row = make('tr', {}, [
        make('td', { textContent: v.hash.slice(0, 7), title: v.hash }),
        make('td', { textContent: when(v.at) }),
        make('td', { textContent: v.result }),
        make('td', { textContent: v.deploymentId ?? '-' }),
        make('td', {}, [back]),
      ]);
      marked ||= isCurrent;
      row.dataset.hash = v.hash;
      row.dataset.result = v.result;
      return row;
    }));
  }

  close() {
    this.name = undefined;
    this.root.hidden = true;
  }
}
