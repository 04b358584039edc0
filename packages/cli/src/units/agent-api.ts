/**
 * The API of the agent that runs a unit (status, journal): the machine's published `apiUrl`, or, with the API
 * driver on the unit's own machine, the endpoint in use. Same token and TLS files as the CLI's endpoint.
 */
import fs from 'node:fs';
import type { MachineRecord, UnitRecord, UnitStateRecord } from '@flotilla/core';
import { Transport } from '../api/transport.js';
import { noAgentApi, unitNotLoaded } from '../cli-errors.js';
import { registryOptions } from '../connect.js';
import type { GlobalOptions } from '../global-options.js';

function localMachineId(): string | undefined {
  try {
    return fs.readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function agentEndpoint(machineId: string, machine: MachineRecord | undefined, g: GlobalOptions): string {
  if (machine?.apiUrl) return machine.apiUrl;
  if (g.driver === 'api' && machineId === localMachineId()) return g.endpoints[0] as string;
  throw noAgentApi(machineId);
}

export function agentTransport(endpoint: string, g: GlobalOptions): Transport {
  const tls = registryOptions(g).tls;
  return new Transport({ endpoint, timeoutMs: g.requestTimeoutMs, ...(g.apiToken ? { token: g.apiToken } : {}), ...(tls ? { tls } : {}) });
}

/** The machines a unit's state comes from: its own (non-global) or every reporting machine (global). */
export function reportingMachines(unit: UnitRecord, states: readonly UnitStateRecord[], notLoaded: (name: string) => Error = unitNotLoaded): string[] {
  const ids = [...new Set(states.map((s) => s.machineId))].sort();
  if (ids.length === 0) throw notLoaded(unit.name);
  if (unit.global) return ids;
  const current = states.find((s) => s.hash === unit.hash) ?? states[0];
  return [current?.machineId as string];
}
