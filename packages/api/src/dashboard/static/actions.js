// Actions on the cluster: each asks for confirmation when it stops something, shows as "pending" in the
// progress list until the state stream reports the result (a `until` predicate over the dashboard's state,
// checked after every snapshot and delta), and shows the API's error (code, message, hint) when refused.
import { api } from './session.js';

const $ = (id) => document.getElementById(id);
const WAIT_MS = 120_000;
const watchers = new Set();
/** Every finished action's timing, for tests and the bench (click → state visible). */
export const timings = [];

/** Resolves true when the user confirms `text` in the page's own dialog (keyboard: Enter/Escape). */
export function confirmAction(text, verb) {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = verb;
  dialog.returnValue = '';
  dialog.showModal();
  $('confirm-cancel').focus();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

function progressItem(label) {
  const li = document.createElement('li');
  li.dataset.actionState = 'pending';
  li.dataset.action = label;
  li.textContent = `${label}…`;
  $('progress').prepend(li);
  while ($('progress').childElementCount > 20) $('progress').lastElementChild.remove();
  return li;
}

function finish(li, state, text, extra) {
  li.dataset.actionState = state;
  li.textContent = text;
  if (extra) li.append(Object.assign(document.createElement('small'), { textContent: extra }));
}

/** Re-checks every pending action against the current state (called by the dashboard after each update). */
export function checkActions(state) {
  for (const w of [...watchers]) w(state);
}

/**
 * Runs one action. `request()` talks to the API and resolves to its reply; `until(state, reply)` says when the
 * cluster shows the result. `confirm` (a sentence) is asked first when the action stops something.
 */
export async function runAction({ label, confirm, verb = 'Confirm', request, until }, state) {
  if (confirm && !(await confirmAction(confirm, verb))) return;
  const clickAt = performance.now();
  const li = progressItem(label);
  let reply;
  try {
    reply = await request(api);
  } catch (err) {
    const code = err.code ? `${err.code} ` : '';
    finish(li, 'failed', `${label} failed: ${code}${err.message}`, err.hint ? ` hint: ${err.hint}` : '');
    return;
  }
  li.textContent = `${label}: asked, waiting for the cluster…`;
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      watchers.delete(check);
      finish(li, 'timeout', `${label}: no result after ${WAIT_MS / 1000} s (still asked; see the unit)`);
      resolve();
    }, WAIT_MS);
    function check(s) {
      if (!until(s, reply)) return;
      clearTimeout(timer);
      watchers.delete(check);
      const ms = performance.now() - clickAt;
      timings.push({ label, ms });
      finish(li, 'done', `${label}: done (${(ms / 1000).toFixed(1)} s)`);
      resolve();
    }
    watchers.add(check);
    check(state);
  });
}

const unitPath = (name) => `/fleet/v1/units/${encodeURIComponent(name)}`;
const stopped = (u) => u && u.desired !== 'launched' && u.actual !== 'launched';

/** The unit actions: [verb, action] for a unit `name`. */
export function unitActions(name) {
  return {
    start: {
      label: `start ${name}`,
      request: (call) => call('PUT', unitPath(name), { desiredState: 'launched' }),
      until: (s) => s.units.get(name)?.actual === 'launched',
    },
    stop: {
      label: `stop ${name}`,
      confirm: `Stop ${name}? It keeps its place and can be started again.`,
      verb: 'Stop',
      request: (call) => call('PUT', unitPath(name), { desiredState: 'loaded' }),
      until: (s) => stopped(s.units.get(name)),
    },
    restart: (() => {
      let seenStopped = false;
      const t0 = Date.now();
      return {
        label: `restart ${name}`,
        confirm: `Restart ${name}? It stops, then starts again.`,
        verb: 'Restart',
        // fleetctl's restart: stop, then start; the API holds the start until the stop shows (recent-stops.ts).
        request: async (call) => {
          await call('PUT', unitPath(name), { desiredState: 'loaded' });
          await call('PUT', unitPath(name), { desiredState: 'launched' });
        },
        until: (s) => {
          const u = s.units.get(name);
          if (u && u.actual !== 'launched') seenStopped = true;
          return Boolean(u && u.actual === 'launched' && (seenStopped || (u.since ?? 0) > t0));
        },
      };
    })(),
    destroy: {
      label: `destroy ${name}`,
      confirm: `Destroy ${name}? It is stopped and removed from the cluster.`,
      verb: 'Destroy',
      request: (call) => call('DELETE', unitPath(name)),
      until: (s) => !s.units.has(name),
    },
  };
}

/** Scale `template` (app@.service) to `count` instances; stopping some asks first. */
export function scaleAction(template, count, current) {
  const fewer = count < current;
  return {
    label: `scale ${template} to ${count}`,
    ...(fewer ? { confirm: `Scale ${template} from ${current} to ${count}? Instances above ${count} are stopped and destroyed.`, verb: 'Scale down' } : {}),
    request: (call) => call('PUT', `/v2/units/${encodeURIComponent(template)}/scale`, { count }),
    until: (s, reply) => reply.launched.every((n) => s.units.get(n)?.actual === 'launched') && reply.destroyed.every((n) => !s.units.has(n)),
  };
}

const cordonPath = (id) => `/v2/machines/${encodeURIComponent(id)}/cordon`;

/** cordon, drain, uncordon of machine `id`, shown as `host`. */
export function machineActions(id, host) {
  const is = (states) => (s) => states.includes(s.machines.get(id)?.scheduling);
  return {
    cordon: {
      label: `cordon ${host}`,
      confirm: `Cordon ${host}? Nothing new is placed there; what runs there stays.`,
      verb: 'Cordon',
      request: (call) => call('PUT', cordonPath(id), {}),
      until: is(['cordoned', 'draining', 'drained']),
    },
    drain: {
      label: `drain ${host}`,
      confirm: `Drain ${host}? Its units are moved to other machines.`,
      verb: 'Drain',
      request: (call) => call('PUT', cordonPath(id), { drain: true }),
      until: is(['draining', 'drained']),
    },
    uncordon: {
      label: `uncordon ${host}`,
      request: (call) => call('DELETE', cordonPath(id)),
      until: is(['schedulable']),
    },
  };
}

const deploymentPath = (name, verb) => `/v2/deployments/${encodeURIComponent(name)}/${verb}`;

/** promote and rollback of a service (template) or global unit `name` (docs/deployments.md). Each is done when
 * the stream shows the deployment the API answered with: promoted (past its canaries), or the rollback started. */
export function deploymentActions(name) {
  const latest = (s) => s.services.get(name)?.deployment;
  return {
    promote: {
      label: `promote ${name}`,
      request: (call) => call('POST', deploymentPath(name, 'promote')),
      until: (s, reply) => latest(s)?.id === reply.deployment.id && !latest(s).waitingPromotion,
    },
    /** `to`: a version hash (else the last healthy version that is not current, as `flotilla rollback`). */
    rollback: (to) => ({
      label: `roll back ${name}${to ? ` to ${to.slice(0, 7)}` : ''}`,
      confirm: `Roll back ${name} to ${to ? `version ${to.slice(0, 7)}` : 'its last healthy version'}? Its instances are replaced batch by batch, as any deployment.`,
      verb: 'Roll back',
      request: (call) => call('POST', deploymentPath(name, 'rollback'), to ? { to } : {}),
      until: (s, reply) => latest(s)?.id === reply.deployment.id,
    }),
  };
}
