/**
 * fleetctl 1.0's `restart UNIT` with the API driver, call for call, for tests against an agent's API v1
 * (coreos/fleet v1.0.0: fleetctl/restart.go, fleetctl/fleetctl.go, client/http.go):
 * - findUnits: `GET /units` (pages followed); lazyCreateUnits: `GET /units/<n>` (the unit exists: nothing to create);
 * - by the list's currentState: inactive → `Unable to restart unit <n> in state inactive`; loaded →
 *   setUnitStateAndWait(launched); launched → setUnitStateAndWait(loaded), then setUnitStateAndWait(launched);
 * - setUnitStateAndWait: `PUT /units/<n>` `{desiredState, name}`, then waits for `launched` whatever was set
 *   (tryWaitForUnitStates(..., job.JobStateLaunched, ...)): attempts of waitForState, each a 250 ms ticker
 *   under a 2 s alarm, every tick `GET /units/<n>` comparing `currentState` (`desiredState` for a global unit);
 *   `--block-attempts` 0 means attempts without end;
 * - on a match it prints `Unit <n> <currentState>` plus ` on <8 chars>.../<ip>` from `GET /machines`, read once.
 * fleetctl itself has no deadline; `deadlineMs` stops this copy so a test fails instead of hanging.
 */
import { sleep } from '@flotilla/core';

export type FleetCall = (method: string, path: string, body?: unknown) => Promise<{ status: number; json: unknown }>;

interface UnitJson {
  name?: string;
  options?: { section?: string; name?: string; value?: string }[];
  desiredState?: string;
  currentState?: string;
  machineID?: string;
}

export interface FleetctlRestartResult {
  stdout: string[];
  stderr: string[];
  /** Every request, as `METHOD path` (with the PUT's desiredState), in order. */
  calls: string[];
}

const TICK_MS = 250; // fleetctl.go waitForState: time.Tick(250 * time.Millisecond)
const ATTEMPT_MS = 2000; // fleetctl.go defaultSleepTime

export async function fleetctlRestart(
  call: FleetCall,
  name: string,
  opts: { deadlineMs: number; blockAttempts?: number },
): Promise<FleetctlRestartResult> {
  const out: FleetctlRestartResult = { stdout: [], stderr: [], calls: [] };
  const deadline = Date.now() + opts.deadlineMs;
  let lastSeen: string | undefined;
  const send = async (method: string, path: string, body?: unknown) => {
    if (Date.now() > deadline) {
      const first = out.calls.slice(0, 6).join(', ');
      throw new Error(`fleetctl restart ${name} still running after ${opts.deadlineMs} ms (${out.calls.length} calls: ${first}, …; last currentState ${lastSeen})`);
    }
    out.calls.push(`${method} ${path}${body ? ` ${(body as UnitJson).desiredState}` : ''}`);
    const reply = await call(method, path, body);
    if (reply.status >= 300 && reply.status !== 404) throw new Error(`${method} ${path}: ${reply.status} ${JSON.stringify(reply.json)}`);
    return reply;
  };
  const unitPath = `/fleet/v1/units/${encodeURIComponent(name)}`;
  let machines: { id: string; primaryIP?: string }[] | undefined;

  const listUnits = async (): Promise<UnitJson[]> => {
    const units: UnitJson[] = [];
    let token: string | undefined;
    do {
      const page = (await send('GET', `/fleet/v1/units${token ? `?nextPageToken=${encodeURIComponent(token)}` : ''}`)).json as { units?: UnitJson[]; nextPageToken?: string };
      units.push(...(page.units ?? []));
      token = page.nextPageToken;
    } while (token);
    return units;
  };
  const isGlobal = (u: UnitJson) => (u.options ?? []).some((o) => o.section === 'X-Fleet' && o.name === 'Global' && o.value === 'true');

  /** assertUnitState: one attempt, a look on each 250 ms tick until the 2 s alarm (time.Tick keeps one tick a
   * slow look overran, so the next look then follows at once). */
  const attempt = async (): Promise<boolean> => {
    const alarm = Date.now() + ATTEMPT_MS;
    for (let tick = Date.now() + TICK_MS; tick < alarm; tick = Math.max(tick + TICK_MS, Date.now())) {
      await sleep(tick - Date.now());
      const u = (await send('GET', unitPath)).json as UnitJson | undefined;
      if (!u?.name) continue; // "Unit <n> not found": retried
      const state = isGlobal(u) ? u.desiredState : u.currentState;
      lastSeen = u.currentState;
      if (state !== 'launched') continue;
      let line = `Unit ${name} ${u.currentState ?? ''}`;
      if (u.machineID) {
        machines ??= ((await send('GET', '/fleet/v1/machines')).json as { machines?: { id: string; primaryIP?: string }[] }).machines ?? [];
        const m = machines.find((x) => x.id === u.machineID);
        if (m) line += ` on ${m.id.slice(0, 8)}...${m.primaryIP ? `/${m.primaryIP}` : ''}`;
      }
      out.stdout.push(line);
      return true;
    }
    await sleep(alarm - Date.now());
    return false;
  };

  const setUnitStateAndWait = async (target: 'loaded' | 'launched'): Promise<boolean> => {
    await send('PUT', unitPath, { desiredState: target, name });
    for (let n = 0; !opts.blockAttempts || n < opts.blockAttempts; n++) if (await attempt()) return true;
    out.stderr.push(`Error waiting for units: timed out waiting for unit ${name} to report state launched`);
    return false;
  };

  const unit = (await listUnits()).find((u) => u.name === name);
  if (!unit) return out;
  await send('GET', unitPath);
  if (isGlobal(unit)) throw new Error('global units: fleetctl runs systemctl restart over ssh, not reproduced here');
  if (unit.currentState === 'inactive') {
    out.stderr.push(`Unable to restart unit ${name} in state inactive`);
  } else if (unit.currentState === 'loaded') {
    await setUnitStateAndWait('launched');
  } else if (await setUnitStateAndWait('loaded')) {
    await setUnitStateAndWait('launched');
  }
  return out;
}
