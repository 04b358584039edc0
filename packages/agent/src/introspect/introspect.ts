/**
 * status and journal without ssh: the agent answers for the units it loaded, on its own machine. The HTTP API
 * serves these at /v2/units/<name>/status and /v2/units/<name>/journal; names the agent does not manage (not
 * assigned here, not loaded yet, refused) are UnitNotManagedHereError.
 */
import { UnitNotManagedHereError } from '@flotilla/core';
import type { ManagedUnits } from '../managed-units.js';
import { journalLines, systemctlStatus, type JournalOptions } from './commands.js';

export type { JournalOptions } from './commands.js';

export interface Introspection {
  /** systemctl-style status text of a unit this agent runs (by registry name). */
  unitStatus(unitName: string): Promise<string>;
  /** Its journal lines: the last `lines`, then (with `follow`) new ones until `signal` aborts. */
  unitJournal(unitName: string, opts?: JournalOptions): AsyncIterable<string>;
}

export interface IntrospectionDeps {
  machineId: string;
  managed: ManagedUnits;
  /** Argv prefix for systemctl/journalctl (default none: run them here). */
  commandPrefix?: readonly string[];
  /** Deadline of `systemctl status`; default 10 s. */
  timeoutMs?: number;
}

export function createIntrospection(deps: IntrospectionDeps): Introspection {
  const prefix = deps.commandPrefix ?? [];
  const systemdNameOf = (unitName: string): string => {
    const m = deps.managed.get(unitName);
    if (m === undefined) throw new UnitNotManagedHereError(unitName, deps.machineId);
    if (m.refused !== undefined) throw new UnitNotManagedHereError(unitName, deps.machineId, 'refused: another unit of that name exists there');
    return m.systemdName;
  };
  return {
    async unitStatus(unitName) {
      return systemctlStatus(prefix, systemdNameOf(unitName), deps.timeoutMs ?? 10_000);
    },
    unitJournal(unitName, opts = {}) {
      const systemdName = systemdNameOf(unitName); // throws at the call, before any iteration
      return journalLines(prefix, systemdName, opts);
    },
  };
}
