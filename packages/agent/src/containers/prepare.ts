/**
 * The prepare step a container service runs before its container (`ExecStartPre`): make the engine ready for
 * exactly one fresh container of this unit.
 * 1. Orphans: containers this machine's agent started whose unit is no longer in its units directory (the agent
 *    crashed or was killed between unloading a unit and its container stopping) are removed.
 * 2. Leftovers: a container of this unit's name that systemd no longer runs (engine client killed, --rm not
 *    honoured after an engine restart) is removed, stopped or running: systemd is starting the unit, so whatever
 *    runs under its label is an orphan of an earlier run. A running container of that name that belongs to
 *    something else is refused, never killed.
 * 3. Image: present, or pulled, at most as often as the backoff allows (pull-backoff.ts); a failed pull throws
 *    ContainerImagePullError, so the unit fails with the engine's reason in its journal and pull record.
 */
import { ContainerImagePullError, ContainerUnitError } from '@flotilla/core';
import type { ContainerEngineClient, ContainerStatus } from './engine-client.js';
import { DEFAULT_PULL_BACKOFF, pullDecision, recordPull, type PullBackoffPolicy } from './pull-backoff.js';
import type { PullStore } from './pull-store.js';

export interface PrepareInput {
  unit: string;
  container: string;
  image: string;
  machineId: string;
}

export interface PrepareDeps {
  client: ContainerEngineClient;
  store: PullStore;
  /** Does the agent still have `unit` (a registry unit name)? */
  unitExists(unit: string): Promise<boolean>;
  now(): number;
  sleep(ms: number): Promise<void>;
  policy?: PullBackoffPolicy;
  /** Longest the step waits for a backoff to expire before giving up (it must finish within TimeoutStartSec). */
  maxWaitMs?: number;
  pullTimeoutMs?: number;
}

export interface PrepareReport {
  orphansRemoved: string[];
  leftoverRemoved: boolean;
  pulled: boolean;
}

export const DEFAULT_MAX_WAIT_MS = 60_000;

export async function prepareContainer(input: PrepareInput, deps: PrepareDeps): Promise<PrepareReport> {
  const orphansRemoved = await removeOrphans(input, deps);
  const leftover = await deps.client.inspect(input.container);
  if (leftover?.running && leftover.unit !== input.unit) {
    throw new ContainerUnitError(input.unit, `container name ${input.container} is taken by a running container of ${leftover.unit ?? 'no Flotilla unit'}`);
  }
  if (leftover !== undefined) await deps.client.remove(input.container, true);
  const pulled = await ensureImage(input, deps);
  return { orphansRemoved, leftoverRemoved: leftover !== undefined, pulled };
}

/** Containers labelled with this machine whose unit is gone; `self` is never one (its unit is starting). */
export function orphansOf(containers: readonly ContainerStatus[], self: string, existing: ReadonlySet<string>): ContainerStatus[] {
  return containers.filter((c) => c.unit !== undefined && c.unit !== self && !existing.has(c.unit));
}

async function removeOrphans(input: PrepareInput, deps: PrepareDeps): Promise<string[]> {
  const mine = await deps.client.listOfMachine(input.machineId);
  const units = [...new Set(mine.flatMap((c) => (c.unit === undefined ? [] : [c.unit])))];
  const existing = new Set<string>();
  for (const unit of units) if (await deps.unitExists(unit)) existing.add(unit);
  const orphans = orphansOf(mine, input.unit, existing);
  for (const orphan of orphans) await deps.client.remove(orphan.id, true);
  return orphans.map((o) => o.name);
}

/** true when it pulled. Waits out a running backoff (up to maxWaitMs) instead of asking the registry again. */
async function ensureImage(input: PrepareInput, deps: PrepareDeps): Promise<boolean> {
  if (await deps.client.hasImage(input.image)) return false;
  const record = await deps.store.read(input.unit);
  const decision = pullDecision(record, input.image, deps.now(), deps.policy ?? DEFAULT_PULL_BACKOFF);
  if (decision.kind === 'wait') {
    const waitMs = decision.untilMs - deps.now();
    const maxWaitMs = deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
    if (waitMs > maxWaitMs) {
      const inSec = Math.ceil(waitMs / 1000);
      throw new ContainerImagePullError(input.image, `${decision.lastError ?? 'failed'} (${decision.failures} failed pulls; next pull in ${inSec} s)`);
    }
    await deps.sleep(Math.max(0, waitMs));
  }
  try {
    await deps.client.pullImage(input.image, deps.pullTimeoutMs);
  } catch (err) {
    const reason = err instanceof ContainerImagePullError ? err.reason : (err as Error).message;
    await deps.store.write(input.unit, recordPull(record, input.image, deps.now(), reason));
    throw err;
  }
  await deps.store.write(input.unit, recordPull(record, input.image, deps.now()));
  return true;
}
