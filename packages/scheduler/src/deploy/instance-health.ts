/**
 * An instance's health for the deployment gate from the states its machines publish, pure (docs/deployments.md
 * "Healthy"): one state on the target version healthy by core's `stateHealth` (both health sources agree) is enough.
 */
import { stateHealth, type StateHealth, type UnitStateRecord } from '@flotilla/core';

export type InstanceHealth = StateHealth;

/** An instance's health on `target` from all its published states (one per machine reporting it). */
export function instanceHealth(states: readonly UnitStateRecord[], target: string): InstanceHealth {
  const mine = states.filter((st) => st.hash === target).map(stateHealth);
  if (mine.includes('healthy')) return 'healthy';
  if (mine.includes('failed')) return 'failed';
  return 'waiting';
}
