/**
 * The API driver: the CLI's role of the registry (CliRegistry), over fleet's API v1 (as fleetctl's generated
 * client: `?alt=json`, page tokens followed, PUT name+options to create, PUT name+desiredState to change state)
 * plus /v2 for what v1 cannot carry (each agent's API URL) and for whole lists in one response. Waiting on states polls
 * `/state?unitName=` every 250 ms, fleetctl's interval.
 */
import {
  type DeploymentRecord,
  type ServiceHistory,
  FlotillaError,
  UnitExistsError,
  UnitNotFoundError,
  assertNewUnitName,
  assertServiceRequest,
  makeUnitRecord,
  validateUnitOptions,
  type ClusterSnapshot,
  type DesiredState,
  type MachineCordon,
  type MachineRecord,
  type ServiceRecord,
  type Subscription,
  type UnitRecord,
  type UnitSpec,
  type UnitStateRecord,
  type WatchEvent,
} from '@flotilla/core';
import { machineFromJson, stateFromJson, unitFromJson, type MachineJson, type UnitJson, type UnitStateJson } from './records.js';
import type { CliRegistry } from '../cli-registry.js';
import { errorMessage, googleApiError, type Transport } from './transport.js';

export const POLL_INTERVAL_MS = 250;
const MAX_PAGES = 100_000;
/** Up to this many lookups go one request each; more read the whole unit list once (one /v2 response). */
const API_LOOKUPS_ONE_BY_ONE = 16;

export class ApiRegistry implements CliRegistry {
  constructor(private readonly http: Transport) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
    const sep = path.includes('?') ? '&' : '?';
    const reply = await this.http.send(method, `${path}${sep}alt=json`, body);
    if (reply.status >= 300 && reply.status !== 404) throw googleApiError(reply.status, reply.body);
    return { status: reply.status, json: reply.body ? (JSON.parse(reply.body) as unknown) : undefined, text: reply.body };
  }

  /** Follows nextPageToken until absent (fleetctl's List loop). */
  private async listAll<T>(path: string, key: string): Promise<T[]> {
    const items: T[] = [];
    let token: string | undefined;
    for (let i = 0; i < MAX_PAGES; i++) {
      const sep = path.includes('?') ? '&' : '?';
      const page = (await this.call('GET', token ? `${path}${sep}nextPageToken=${encodeURIComponent(token)}` : path)).json as Record<string, unknown>;
      items.push(...((page[key] as T[] | undefined) ?? []));
      token = page.nextPageToken as string | undefined;
      if (!token) return items;
    }
    throw new FlotillaError('API_ERROR', `${path}: more than ${MAX_PAGES} pages`);
  }

  /** Whole lists come from /v2 in one response: following v1's 100-item pages costs a request per page. */
  private async unitJsons(): Promise<UnitJson[]> {
    return ((await this.call('GET', '/v2/units')).json as { units?: UnitJson[] }).units ?? [];
  }

  private async stateJsons(query = ''): Promise<UnitStateJson[]> {
    return ((await this.call('GET', `/v2/state${query}`)).json as { states?: UnitStateJson[] }).states ?? [];
  }

  async getUnit(name: string): Promise<UnitRecord | undefined> {
    const reply = await this.call('GET', `/fleet/v1/units/${encodeURIComponent(name)}`);
    return reply.status === 404 ? undefined : unitFromJson(reply.json as UnitJson);
  }

  /** A few names: one request each, together; more: the whole list in one /v2 response (as list-units reads it). */
  async getUnits(names: readonly string[]): Promise<(UnitRecord | undefined)[]> {
    if (names.length <= API_LOOKUPS_ONE_BY_ONE) return Promise.all(names.map((name) => this.getUnit(name)));
    const stored = new Map((await this.listUnits()).map((u) => [u.name, u]));
    return names.map((name) => stored.get(name));
  }

  async listUnits(): Promise<UnitRecord[]> {
    return (await this.unitJsons()).map(unitFromJson);
  }

  async submitUnit(spec: UnitSpec, opts: { desiredState?: DesiredState; replace?: boolean } = {}): Promise<UnitRecord> {
    assertNewUnitName(spec.name);
    validateUnitOptions(spec.name, spec.options);
    const record = makeUnitRecord(spec, opts.desiredState ?? 'inactive');
    const existing = await this.getUnit(spec.name);
    if (existing && existing.hash === record.hash) return existing;
    if (existing && !opts.replace) throw new UnitExistsError(spec.name, existing.hash, record.hash);
    const body = { name: spec.name, options: spec.options, ...(opts.desiredState ? { desiredState: opts.desiredState } : {}) };
    await this.call('PUT', `/fleet/v1/units/${encodeURIComponent(spec.name)}`, body);
    return record;
  }

  /** fleet's API has no batch submit: one unit at a time (the same checks, not all or nothing). */
  async submitUnits(specs: readonly UnitSpec[], opts: { desiredState?: DesiredState } = {}): Promise<UnitRecord[]> {
    for (const spec of specs) {
      assertNewUnitName(spec.name);
      validateUnitOptions(spec.name, spec.options);
    }
    const records: UnitRecord[] = [];
    for (const spec of specs) records.push(await this.submitUnit(spec, opts));
    return records;
  }

  async setDesiredState(name: string, state: DesiredState): Promise<UnitRecord> {
    const reply = await this.http.send('PUT', `/fleet/v1/units/${encodeURIComponent(name)}?alt=json`, { name, desiredState: state });
    if (reply.status === 409 && errorMessage(reply.body) === 'unit does not exist and options field empty') throw new UnitNotFoundError(name);
    if (reply.status >= 300) throw googleApiError(reply.status, reply.body);
    const updated = await this.getUnit(name);
    if (!updated) throw new UnitNotFoundError(name);
    return updated;
  }

  /** Over the API the template, when not stored, is submitted first; then `PUT /v2/units/<template>/scale` records the count. */
  async scaleService(template: string, count: number, templateSpec?: UnitSpec): Promise<ServiceRecord> {
    assertServiceRequest(template, count);
    if (templateSpec && !(await this.getUnit(template))) await this.submitUnit(templateSpec);
    const reply = await this.call('PUT', `/v2/units/${encodeURIComponent(template)}/scale`, { count });
    if (reply.status === 404) throw new UnitNotFoundError(template);
    return { template, count };
  }

  async listServices(): Promise<ServiceRecord[]> {
    return ((await this.call('GET', '/v2/services')).json as { services?: ServiceRecord[] }).services?.map((s) => ({ template: s.template, count: s.count })) ?? [];
  }

  /** `/v2/deployments` (docs/deployments.md): the server checks and writes, in one transaction. */
  async startDeployment(spec: UnitSpec, opts: { rollback?: boolean } = {}): Promise<DeploymentRecord> {
    validateUnitOptions(spec.name, spec.options);
    const reply = await this.call('POST', '/v2/deployments', { name: spec.name, options: spec.options, rollback: opts.rollback === true });
    return (reply.json as { deployment: DeploymentRecord }).deployment;
  }

  async promoteDeployment(template: string): Promise<DeploymentRecord> {
    const reply = await this.call('POST', `/v2/deployments/${encodeURIComponent(template)}/promote`);
    return (reply.json as { deployment: DeploymentRecord }).deployment;
  }

  async getDeployment(template: string): Promise<DeploymentRecord | undefined> {
    return (await this.deploymentOf(template))?.deployment ?? undefined;
  }

  async listDeployments(): Promise<DeploymentRecord[]> {
    return ((await this.call('GET', '/v2/deployments')).json as { deployments?: DeploymentRecord[] }).deployments ?? [];
  }

  async getHistory(template: string): Promise<ServiceHistory | undefined> {
    return (await this.deploymentOf(template))?.history;
  }

  private async deploymentOf(template: string): Promise<{ deployment: DeploymentRecord | null; history: ServiceHistory } | undefined> {
    const reply = await this.call('GET', `/v2/deployments/${encodeURIComponent(template)}`);
    return reply.status === 404 ? undefined : (reply.json as { deployment: DeploymentRecord | null; history: ServiceHistory });
  }

  async destroyUnit(name: string): Promise<boolean> {
    return (await this.call('DELETE', `/fleet/v1/units/${encodeURIComponent(name)}`)).status !== 404;
  }

  async listMachines(): Promise<MachineRecord[]> {
    const reply = await this.call('GET', '/v2/machines');
    return ((reply.json as { machines?: MachineJson[] }).machines ?? []).map(machineFromJson);
  }

  /**
   * `PUT /v2/machines/<id>/cordon` (`{}`, or `{"drain": true, "deadline": …}`) or `DELETE`. The route takes a
   * request, not a cordon: the agent applies it to the cordon it reads (core's nextCordon, the rule the caller
   * used), so the deadline goes as the time left from now and a drain's start stays the agent's.
   */
  async setMachineCordon(machineId: string, cordon: MachineCordon | undefined): Promise<void> {
    const path = `/v2/machines/${encodeURIComponent(machineId)}/cordon?alt=json`;
    const deadlineAt = cordon?.drain?.deadlineAt;
    const body = !cordon?.drain ? {} : { drain: true, ...(deadlineAt !== undefined ? { deadline: `${Math.max(1, deadlineAt - Date.now())}ms` } : {}) };
    const reply = cordon ? await this.http.send('PUT', path, body) : await this.http.send('DELETE', path);
    if (reply.status >= 300) throw googleApiError(reply.status, reply.body);
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const [units, machines] = await Promise.all([this.unitJsons(), this.listMachines()]);
    const schedule = new Map<string, string>();
    for (const u of units) if (u.name && u.machineID) schedule.set(u.name, u.machineID);
    return { units: units.map(unitFromJson), machines, schedule, unitRevisions: new Map(), globalAssignments: new Map(), laggingAssignments: new Map(), revision: '' };
  }

  async listStates(): Promise<UnitStateRecord[]> {
    return (await this.stateJsons()).map(stateFromJson);
  }

  async getStates(unitName: string): Promise<UnitStateRecord[]> {
    return (await this.listAll<UnitStateJson>(`/fleet/v1/state?unitName=${encodeURIComponent(unitName)}`, 'states')).map(stateFromJson);
  }

  /** Polls the unit's states and reports what changed, keyed by machine id (as the etcd watch does). */
  async watchStates(unitName: string, onEvent: (event: WatchEvent<UnitStateRecord>) => void): Promise<Subscription> {
    let known = new Map<string, string>();
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const poll = async () => {
      const states = await this.getStates(unitName).catch(() => undefined);
      if (closed) return;
      if (states) known = diffStates(known, states, onEvent);
      timer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
    };
    timer = setTimeout(() => void poll(), POLL_INTERVAL_MS);
    return {
      close: async () => {
        closed = true;
        clearTimeout(timer);
      },
    };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

/** Emits put for new or changed states and delete for vanished ones; returns the new fingerprint map. Pure. */
export function diffStates(
  known: ReadonlyMap<string, string>,
  states: readonly UnitStateRecord[],
  onEvent: (event: WatchEvent<UnitStateRecord>) => void,
): Map<string, string> {
  const next = new Map<string, string>();
  for (const s of states) {
    const print = `${s.hash}|${s.loadState}|${s.activeState}|${s.subState}`;
    next.set(s.machineId, print);
    if (known.get(s.machineId) !== print) onEvent({ type: 'put', key: s.machineId, value: s, revision: '' });
  }
  for (const machineId of known.keys()) if (!next.has(machineId)) onEvent({ type: 'delete', key: machineId, revision: '' });
  return next;
}
