/**
 * Task effects against the real machine (fleet §5.4): the units directory plus systemd. Only units with a
 * file in the units directory are ever stopped or unlinked, so the agent never touches a unit it did not load.
 */
import type { Logger } from 'pino';
import type { SystemdManager } from '../systemd/manager.js';
import { DEFAULT_STOP_WAIT_MS, stopAndWait } from '../systemd/stop-wait.js';
import type { UnitFiles } from '../unit-files.js';
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
  return {
    async Unload(unit) {
      launchedByAgent.delete(unit);
      // Stop first and touch nothing else if that fails: a unit whose file vanished while it still runs could
      // no longer be managed at all (fleet #1216). Wait until it is down: until then it stays managed and its
      // real state (deactivating) stays published, so a move's new copy waits for the old one to stop.
      const stopped = await stopAndWait(systemd, unit, deps.stopWaitMs ?? DEFAULT_STOP_WAIT_MS);
      if (!stopped.down) logger.warn({ unit, activeState: stopped.activeState, waitedMs: deps.stopWaitMs ?? DEFAULT_STOP_WAIT_MS }, 'unit still stopping after the deadline; unloading it anyway');
      await systemd.unlinkUnitFile(unit);
      await systemd.resetFailed(unit);
      await files.remove(unit);
    },
    async Load(unit) {
      const want = desired.get(unit);
      if (want === undefined) throw new Error(`no desired text for ${unit}`);
      launchedByAgent.delete(unit);
      await systemd.linkUnitFile(await files.write(unit, want.text));
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
