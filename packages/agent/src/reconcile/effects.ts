/**
 * Task effects against the real machine (fleet's `agent/agent.go`): the units directory plus systemd. Only units
 * with a file in the units directory are ever stopped or unlinked, so the agent never touches a unit it did not load.
 */
import type { Logger } from 'pino';
import { enableFailedError } from '../systemd/errors.js';
import type { SystemdManager } from '../systemd/manager.js';
import { BatchedLinker } from '../systemd/link-batch.js';
import { DEFAULT_STOP_WAIT_MS, stopAndWait } from '../systemd/stop-wait.js';
import { hasInstallSection, type UnitFiles } from '../unit-files.js';
import type { TaskEffects } from './execute.js';
import type { DesiredUnit } from './plan.js';

export interface EffectDeps {
  systemd: SystemdManager;
  files: UnitFiles;
  /** Units the agent started and has not stopped since (CurrentUnit.launchedByAgent); effects keep it current. */
  launchedByAgent: Set<string>;
  logger: Logger;
  /** How long an Unload waits for the unit to be down before removing it anyway; default 30 s. */
  stopWaitMs?: number;
}

export function systemdTaskEffects(deps: EffectDeps, desired: ReadonlyMap<string, DesiredUnit>): TaskEffects {
  const { systemd, files, launchedByAgent, logger } = deps;
  const linker = new BatchedLinker((paths) => systemd.linkUnitFiles(paths));
  return {
    async Unload(unit) {
      launchedByAgent.delete(unit);
      // Stop first and touch nothing else if that fails: a unit whose file vanished while it still runs could
      // no longer be managed at all (fleet #1216). Wait until it is down: until then it stays managed and its
      // real state (deactivating) stays published, so a move's new copy waits for the old one to stop.
      const stopped = await stopAndWait(systemd, unit, deps.stopWaitMs ?? DEFAULT_STOP_WAIT_MS);
      if (!stopped.down) logger.warn({ unit, activeState: stopped.activeState, waitedMs: deps.stopWaitMs ?? DEFAULT_STOP_WAIT_MS }, 'unit still stopping after the deadline; unloading it anyway');
      await systemd.unlinkUnitFile(unit); // DisableUnitFiles: also the [Install] symlinks of an enabled unit
      await systemd.resetFailed(unit);
      await files.remove(unit);
    },
    async Load(unit) {
      const want = desired.get(unit);
      if (want === undefined) throw new Error(`no desired text for ${unit}`);
      // Taken before the first await, so the group's Loads share one LinkUnitFiles (link-batch.ts).
      const ticket = linker.ticket();
      launchedByAgent.delete(unit);
      let file: string;
      try {
        file = await files.write(unit, want.text);
      } catch (err) {
        ticket.cancel();
        throw err;
      }
      await ticket.link(file);
      if (hasInstallSection(want.text)) await enable(deps, unit, file);
    },
    async Reload() {
      await systemd.reload();
    },
    async Stop(unit) {
      launchedByAgent.delete(unit);
      await systemd.stopUnit(unit);
    },
    async Start(unit) {
      await systemd.startUnit(unit);
      launchedByAgent.add(unit);
    },
  };
}

/**
 * fleet enables a unit with an `[Install]` section after linking it (runtime, force), and on failure, or when
 * systemd finds nothing to install, removes the unit again and fails the load (coreos/fleet systemd/manager.go,
 * Load): the next pass tries again. docs/agent.md, "[Install] sections".
 */
async function enable({ systemd, files, logger }: EffectDeps, unit: string, file: string): Promise<void> {
  let failure: unknown;
  try {
    const { carriesInstallInfo } = await systemd.enableUnitFile(file);
    if (!carriesInstallInfo) failure = new Error('systemd found no installation rules (WantedBy=, RequiredBy=, Alias=) in its [Install] section');
  } catch (err) {
    failure = err;
  }
  if (failure === undefined) return;
  try {
    await systemd.unlinkUnitFile(unit);
  } catch (err) {
    logger.warn({ unit, err }, 'could not unlink a unit that failed to enable');
  }
  await files.remove(unit);
  throw enableFailedError(unit, failure);
}
