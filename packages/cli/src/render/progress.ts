/**
 * Lines the unit verbs print while they work (fleetctl's exact texts). Commands emit typed events; this is the
 * only place that turns them into text and picks the stream.
 */
import type { DrainEvent, DrainSummary } from '../machines/drain-progress.js';
import { machineLegend } from './list.js';
import { renderDrainEvent, renderDrainStatus } from './machine-lifecycle.js';

export interface MachineRef {
  id: string;
  ip?: string;
}

export type ProgressEvent =
  | { kind: 'no-units' }
  | { kind: 'units-not-found' }
  | { kind: 'unit-state'; unit: string; state: string; machine?: MachineRef }
  | { kind: 'triggered'; unit: string; verb: string; global: boolean }
  | { kind: 'destroyed'; unit: string }
  | { kind: 'same-unit'; unit: string }
  | { kind: 'differs'; unit: string; file: string; template: boolean }
  | { kind: 'cannot-replace'; unit: string; desiredState: string }
  | { kind: 'unknown-fleet-key'; unit: string; key: string }
  | { kind: 'stopped'; units: string[] }
  | { kind: 'unloaded'; units: string[] }
  | { kind: 'cannot-restart'; unit: string }
  | { kind: 'unplaceable'; unit: string; reasons: string[] }
  /** Live counts while blocking; shown on a terminal only. */
  | { kind: 'progress'; waiting: number; placed: number; done: number; state: string }
  | { kind: 'progress-end' }
  /** `deploy`: a step of the deployment (a plain line), and the live line while following (render/deployments.ts). */
  | { kind: 'deploy-step'; text: string }
  | { kind: 'deploy-status'; text: string }
  /** `drain`: a unit's move (render/machine-lifecycle.ts), and the live line while following. */
  | DrainEvent
  | { kind: 'drain-status'; machine: string; summary: DrainSummary }
  /** A line of a command's own (compose up's steps on stdout, warnings on stderr). */
  | { kind: 'note'; text: string; stderr?: boolean };

export interface Line {
  /** `status`: the one live line on a terminal (rewritten in place; dropped when not a TTY; '' clears it). */
  stream: 'stdout' | 'stderr' | 'status';
  text: string;
}

const out = (text: string): Line => ({ stream: 'stdout', text });
const err = (text: string): Line => ({ stream: 'stderr', text });

function unitState(unit: string, state: string, machine?: MachineRef): string {
  const where = machine ? ` on ${machineLegend(machine.id, machine.ip, false)}` : '';
  return `Unit ${unit} ${state}${where}`;
}

export function renderProgress(e: ProgressEvent): Line {
  switch (e.kind) {
    case 'no-units':
      return err('No units given');
    case 'units-not-found':
      return err('Units not found in registry');
    case 'unit-state':
      return out(unitState(e.unit, e.state, e.machine));
    case 'triggered':
      return out(`Triggered ${e.global ? 'global ' : ''}unit ${e.unit} ${e.verb}`);
    case 'destroyed':
      return out(`Destroyed ${e.unit}`);
    case 'note':
      return e.stderr ? err(e.text) : out(e.text);
    case 'same-unit':
      return out(`Found same Unit(${e.unit}) in Registry, nothing to do`);
    case 'differs': {
      const what = e.template ? 'local template unit file' : 'local unit file';
      return err(`WARNING: Unit ${e.unit} in registry differs from ${what} ${e.file}. Add --replace to override.`);
    }
    case 'cannot-replace':
      return err(`Warning: can not replace Unit(${e.unit}) in state '${e.desiredState}', use the appropriate command`);
    case 'unknown-fleet-key':
      return err(`Unit ${e.unit}: unrecognized requirement in [X-Fleet] section: ${JSON.stringify(e.key)}`);
    case 'stopped':
      return err(`Successfully stopped units [${e.units.join(' ')}].`);
    case 'unloaded':
      return err(`Successfully unloaded units [${e.units.join(' ')}].`);
    case 'cannot-restart':
      return err(`Unable to restart unit ${e.unit} in state inactive`);
    case 'unplaceable':
      return err(`Unit ${e.unit} cannot be placed: ${e.reasons.join('; ')}`);
    case 'progress':
      return { stream: 'status', text: `${e.waiting} waiting for a machine, ${e.placed} placed, ${e.done} ${e.state}` };
    case 'progress-end':
      return { stream: 'status', text: '' };
    case 'deploy-step':
      return out(e.text);
    case 'deploy-status':
      return { stream: 'status', text: e.text };
    case 'drain-moving':
    case 'drain-arrived':
    case 'drain-stopped':
    case 'drain-gone':
      return out(renderDrainEvent(e));
    case 'drain-status':
      return { stream: 'status', text: renderDrainStatus(e.machine, e.summary) };
  }
}
