import type { DesiredState } from '@flotilla/core';
import { expect, test } from 'vitest';
import { REASON_HELD } from './inherited-hold.js';
import { REASON_CUT_OFF, REASON_UNCONFIRMED, type ContactState } from './lease-fence.js';
import {
  planTasks,
  REASON_ADOPT_ENABLED,
  REASON_HASH_DIFFERS,
  REASON_NOT_LOADED,
  REASON_NOT_SCHEDULED,
  REASON_RELOAD,
  REASON_RELOAD_ENABLED,
  REASON_WANT_LAUNCHED,
  REASON_WANT_LOADED,
  type CurrentUnit,
  type DesiredUnit,
  type HeldBack,
  type PlanGuards,
  type Task,
} from './plan.js';

// ---- builders: one line per unit, defaults for everything a case does not care about ----
const want = (desiredState: DesiredState, hash = 'h1'): DesiredUnit => ({ desiredState, hash, text: `text of ${hash}` });
/** A unit with an [Install] section (fleet TestInstallUnit's sidekick): the agent enables it on Load. */
const enabled = (desiredState: DesiredState, hash = 'h1'): DesiredUnit => ({
  desiredState,
  hash,
  text: `[Unit]\nBindsTo=hello.service\n\n[Service]\nExecStart=/bin/sleep ${hash}\n\n[Install]\nWantedBy=hello.service\n`,
});
const have = (activeState: string, opts: Partial<CurrentUnit> = {}): CurrentUnit => ({
  hash: 'h1',
  activeState,
  loadState: 'loaded',
  ...opts,
});
const map = <T>(entries: Record<string, T>) => new Map(Object.entries(entries));
const unload = (unit: string, reason = REASON_NOT_SCHEDULED): Task => ({ kind: 'Unload', unit, reason });
const load = (unit: string): Task => ({ kind: 'Load', unit, reason: REASON_NOT_LOADED });
const start = (unit: string, reason = REASON_WANT_LAUNCHED): Task => ({ kind: 'Start', unit, reason });
const stop = (unit: string, reason = REASON_WANT_LOADED): Task => ({ kind: 'Stop', unit, reason });
const reload: Task = { kind: 'Reload', unit: '', reason: REASON_RELOAD };
const reloadForEnable: Task = { kind: 'Reload', unit: '', reason: REASON_RELOAD_ENABLED };

interface Case {
  name: string;
  desired: Record<string, DesiredUnit>;
  current: Record<string, CurrentUnit>;
  tasks: Task[];
}

const cases: Case[] = [
  { name: '1 nothing desired, nothing present', desired: {}, current: {}, tasks: [] },
  { name: '2 present but not scheduled: unload + reload', desired: {}, current: { 'a.service': have('active') }, tasks: [unload('a.service'), reload] },
  { name: '3 desired inactive counts as not scheduled', desired: { 'a.service': want('inactive') }, current: { 'a.service': have('inactive') }, tasks: [unload('a.service'), reload] },
  { name: '4 desired inactive, absent: nothing', desired: { 'a.service': want('inactive') }, current: {}, tasks: [] },
  { name: '5 new unit, loaded: load, no reload', desired: { 'a.service': want('loaded') }, current: {}, tasks: [load('a.service')] },
  { name: '6 new unit, launched: load + start, no reload', desired: { 'a.service': want('launched') }, current: {}, tasks: [load('a.service'), start('a.service')] },
  {
    name: '7 hash differs: unload, load, reload, start',
    desired: { 'a.service': want('launched', 'h2') },
    current: { 'a.service': have('active') },
    tasks: [unload('a.service', REASON_HASH_DIFFERS), load('a.service'), reload, start('a.service')],
  },
  { name: '8 same hash, launched and active: nothing', desired: { 'a.service': want('launched') }, current: { 'a.service': have('active') }, tasks: [] },
  { name: '9 same hash, loaded and inactive: nothing', desired: { 'a.service': want('loaded') }, current: { 'a.service': have('inactive') }, tasks: [] },
  { name: '10 launched wanted, unit inactive: start', desired: { 'a.service': want('launched') }, current: { 'a.service': have('inactive') }, tasks: [start('a.service')] },
  { name: '11 launched wanted, unit failed: start', desired: { 'a.service': want('launched') }, current: { 'a.service': have('failed') }, tasks: [start('a.service')] },
  {
    name: '12 launched wanted, agent already started it and it exited: nothing (no restart loop)',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('inactive', { launchedByAgent: true }) },
    tasks: [],
  },
  { name: '13 activating counts as launched', desired: { 'a.service': want('launched') }, current: { 'a.service': have('activating') }, tasks: [] },
  { name: '14 loaded wanted, unit active: stop', desired: { 'a.service': want('loaded') }, current: { 'a.service': have('active') }, tasks: [stop('a.service')] },
  {
    name: '15 loaded wanted, started by agent but exited: stop (clears the launch)',
    desired: { 'a.service': want('loaded') },
    current: { 'a.service': have('inactive', { launchedByAgent: true }) },
    tasks: [stop('a.service')],
  },
  {
    name: '16 file present but systemd has no definition (link lost): load again, no reload',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('inactive', { loadState: 'not-found' }) },
    tasks: [load('a.service'), start('a.service')],
  },
  {
    name: '17 unload of a unit systemd does not know: no reload',
    desired: {},
    current: { 'a.service': have('inactive', { loadState: 'not-found' }) },
    tasks: [unload('a.service')],
  },
  {
    name: '18 unknown load state is treated as known: reload',
    desired: {},
    current: { 'a.service': have('inactive', { loadState: undefined }) },
    tasks: [unload('a.service'), reload],
  },
  {
    name: '19 many units: sorted by kind, then name; one reload for the batch',
    desired: {
      'd.service': want('launched'),
      'b.service': want('launched', 'h2'),
      'e.service': want('loaded'),
      'f.service': want('launched'),
    },
    current: {
      'c.service': have('active'),
      'a.service': have('active'),
      'b.service': have('active'),
      'e.service': have('active'),
      'f.service': have('failed'),
    },
    tasks: [
      unload('a.service'),
      unload('b.service', REASON_HASH_DIFFERS),
      unload('c.service'),
      load('b.service'),
      load('d.service'),
      reload,
      stop('e.service'),
      start('b.service'),
      start('d.service'),
      start('f.service'),
    ],
  },
  {
    name: '20 a foreign unit of the same name: refused, nothing done',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('active', { hash: '', foreign: true }) },
    tasks: [],
  },
  {
    name: '21 foreign unit no longer assigned here: still untouched',
    desired: {},
    current: { 'a.service': have('active', { hash: '', foreign: true }) },
    tasks: [],
  },
  {
    name: '22 added, removed, changed content and changed desired state in one pass',
    desired: {
      'new.service': want('launched'),
      'changed.service': want('launched', 'h2'),
      'tostop.service': want('loaded'),
      'tostart.service': want('launched'),
    },
    current: {
      'gone.service': have('active'),
      'changed.service': have('active'),
      'tostop.service': have('active'),
      'tostart.service': have('inactive'),
    },
    tasks: [
      unload('changed.service', REASON_HASH_DIFFERS),
      unload('gone.service'),
      load('changed.service'),
      load('new.service'),
      reload,
      stop('tostop.service'),
      start('changed.service'),
      start('new.service'),
      start('tostart.service'),
    ],
  },
  {
    name: '23 new enabled unit, loaded: load, then one reload so a running unit that wants it sees it',
    desired: { 'side.service': enabled('loaded'), 'hello.service': want('loaded') },
    current: {},
    tasks: [load('hello.service'), load('side.service'), reloadForEnable],
  },
  {
    name: '24 new enabled unit, launched: load, reload, start',
    desired: { 'side.service': enabled('launched') },
    current: {},
    tasks: [load('side.service'), reloadForEnable, start('side.service')],
  },
  {
    name: '25 enabled unit desired loaded, started by systemd (a unit that wants it started): left alone',
    desired: { 'side.service': enabled('loaded'), 'hello.service': want('launched') },
    current: { 'side.service': have('active'), 'hello.service': have('active', { launchedByAgent: true }) },
    tasks: [],
  },
  {
    name: '26 enabled unit desired loaded, started by the agent: stop',
    desired: { 'side.service': enabled('loaded') },
    current: { 'side.service': have('active', { launchedByAgent: true }) },
    tasks: [stop('side.service')],
  },
  {
    name: '27 enabled unit desired launched, running but not started by the agent: a start records the launch',
    desired: { 'side.service': enabled('launched') },
    current: { 'side.service': have('active') },
    tasks: [start('side.service', REASON_ADOPT_ENABLED)],
  },
  {
    name: '28 enabled unit desired launched, not running: start',
    desired: { 'side.service': enabled('launched') },
    current: { 'side.service': have('inactive') },
    tasks: [start('side.service')],
  },
  {
    name: '29 enabled unit desired launched, started by the agent and stopped with the unit it binds to: nothing',
    desired: { 'side.service': enabled('launched') },
    current: { 'side.service': have('inactive', { launchedByAgent: true }) },
    tasks: [],
  },
  {
    name: '30 enabled unit replaced: unload, load, one reload (the replaced unit is known) for both needs',
    desired: { 'side.service': enabled('launched', 'h2') },
    current: { 'side.service': have('active', { launchedByAgent: true }) },
    tasks: [unload('side.service', REASON_HASH_DIFFERS), load('side.service'), reload, start('side.service')],
  },
  {
    name: '31 unchanged enabled unit, loaded and inactive: nothing, no reload',
    desired: { 'side.service': enabled('loaded') },
    current: { 'side.service': have('inactive') },
    tasks: [],
  },
];

test.each(cases)('planTasks case $name', ({ desired, current, tasks }) => {
  expect(planTasks(map(desired), map(current))).toEqual({ tasks, heldBack: [] });
});

// ---- guards: the agent's own rules hold a unit desired launched at loaded, and every task says which ----
const fence = (contact: ContactState, ...optedIn: string[]): PlanGuards => ({ fence: { contact, optedIn: new Set(optedIn) } });
const held = (...units: string[]): PlanGuards => ({ held: new Set(units) });
const heldBack = (unit: string, reason: string): HeldBack => ({ unit, reason });

interface GuardCase extends Case {
  guards: PlanGuards;
  heldBack: HeldBack[];
}

const guardCases: GuardCase[] = [
  {
    name: '1 cut off: an opted-in running unit stops, and the Stop says why; the others are untouched',
    desired: { 'a.service': want('launched'), 'b.service': want('launched') },
    current: { 'a.service': have('active'), 'b.service': have('active') },
    guards: fence('cut-off', 'a.service'),
    tasks: [stop('a.service', REASON_CUT_OFF)],
    heldBack: [heldBack('a.service', REASON_CUT_OFF)],
  },
  {
    name: '2 back in contact, not yet confirmed: still held stopped, with its own reason',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('active', { launchedByAgent: true }) },
    guards: fence('unconfirmed', 'a.service'),
    tasks: [stop('a.service', REASON_UNCONFIRMED)],
    heldBack: [heldBack('a.service', REASON_UNCONFIRMED)],
  },
  {
    name: '3 in contact: an opted-in unit is planned as any other',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('inactive') },
    guards: fence('in-contact', 'a.service'),
    tasks: [start('a.service')],
    heldBack: [],
  },
  {
    name: '4 cut off, opted-in unit not loaded yet: loaded, not started',
    desired: { 'a.service': want('launched') },
    current: {},
    guards: fence('cut-off', 'a.service'),
    tasks: [load('a.service')],
    heldBack: [heldBack('a.service', REASON_CUT_OFF)],
  },
  {
    name: '5 cut off, opted-in unit desired loaded: nothing to hold',
    desired: { 'a.service': want('loaded') },
    current: { 'a.service': have('inactive') },
    guards: fence('cut-off', 'a.service'),
    tasks: [],
    heldBack: [],
  },
  {
    name: '6 cut off, a unit opted in but no longer desired: unloaded as not scheduled',
    desired: {},
    current: { 'a.service': have('active') },
    guards: fence('cut-off', 'a.service'),
    tasks: [unload('a.service'), reload],
    heldBack: [],
  },
  {
    name: '7 held, not loaded here: loaded, not started',
    desired: { 'a.service': want('launched') },
    current: {},
    guards: held('a.service'),
    tasks: [load('a.service')],
    heldBack: [heldBack('a.service', REASON_HELD)],
  },
  {
    name: '8 held, stopped here: not started',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('inactive') },
    guards: held('a.service'),
    tasks: [],
    heldBack: [heldBack('a.service', REASON_HELD)],
  },
  {
    name: '9 held but running here: keeps running, not held back',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('active') },
    guards: held('a.service'),
    tasks: [],
    heldBack: [],
  },
  {
    name: '10 held, running an older text: replaced but not started',
    desired: { 'a.service': want('launched', 'h2') },
    current: { 'a.service': have('active') },
    guards: held('a.service'),
    tasks: [unload('a.service', REASON_HASH_DIFFERS), load('a.service'), reload],
    heldBack: [heldBack('a.service', REASON_HELD)],
  },
  {
    name: '11 held enabled unit running, not started by the agent: adopted (it runs already)',
    desired: { 'side.service': enabled('launched') },
    current: { 'side.service': have('active') },
    guards: held('side.service'),
    tasks: [start('side.service', REASON_ADOPT_ENABLED)],
    heldBack: [],
  },
  {
    name: '12 held and fenced while cut off: the fence says why (still ours, only stopped)',
    desired: { 'a.service': want('launched') },
    current: { 'a.service': have('active') },
    guards: { ...fence('cut-off', 'a.service'), ...held('a.service') },
    tasks: [stop('a.service', REASON_CUT_OFF)],
    heldBack: [heldBack('a.service', REASON_CUT_OFF)],
  },
];

test.each(guardCases)('planTasks with guards case $name', ({ desired, current, guards, tasks, heldBack: back }) => {
  expect(planTasks(map(desired), map(current), guards)).toEqual({ tasks, heldBack: back });
});
