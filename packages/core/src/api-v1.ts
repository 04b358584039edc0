/**
 * fleet's HTTP API v1 entities (its `schema/v1.json`), the wire format the agent serves and the CLI's API
 * driver reads. Field names are fleet's; every field is optional because fleet omits empty ones.
 */
import type { DesiredState, UnitOption } from './model.js';

export interface UnitJson {
  name?: string;
  options?: UnitOption[];
  desiredState?: DesiredState;
  currentState?: DesiredState;
  machineID?: string;
}

export interface UnitStateJson {
  name?: string;
  hash?: string;
  machineID?: string;
  systemdLoadState?: string;
  systemdActiveState?: string;
  systemdSubState?: string;
}

export interface MachineJson {
  id?: string;
  primaryIP?: string;
  metadata?: Record<string, string>;
}
