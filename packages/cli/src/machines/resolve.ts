/**
 * Which machine a user means by `flotilla cordon|uncordon|drain MACHINE`, pure: a full machine ID, else every
 * machine whose hostname is MACHINE or whose ID starts with it; exactly one must match (fleetctl's `ssh`
 * took an ID prefix; hostnames are what operators type). Ambiguous or unknown names fail before any write.
 */
import type { MachineRecord } from '@flotilla/core';
import { machineAmbiguous, machineNotFound } from '../cli-errors.js';

/** `<id> (<hostname>)`, how the lifecycle commands name a machine. */
export function describeMachine(m: Pick<MachineRecord, 'id' | 'hostname'>): string {
  return m.hostname ? `${m.id} (${m.hostname})` : m.id;
}

export function resolveMachine(machines: readonly MachineRecord[], arg: string): MachineRecord {
  const exact = machines.find((m) => m.id === arg);
  if (exact) return exact;
  const matches = arg === '' ? [] : machines.filter((m) => m.hostname === arg || m.id.startsWith(arg));
  if (matches.length === 1) return matches[0] as MachineRecord;
  if (matches.length === 0) throw machineNotFound(arg, machines.length);
  throw machineAmbiguous(arg, [...matches].sort((a, b) => (a.id < b.id ? -1 : 1)).map(describeMachine));
}
