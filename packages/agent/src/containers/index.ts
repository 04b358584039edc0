/**
 * Container units: the `.container` renderer the daemon hands to the agent, and the pieces behind it.
 * See docs/containers.md.
 */
import { fileURLToPath } from 'node:url';
import { canonicalText, ContainerUnitError, type UnitOption } from '@flotilla/core';
import { containerServiceName, CONTAINER_SUFFIX, renderContainerService, type ContainerUnitRenderer } from './render.js';
import { CONTAINER_ENGINES, type ContainerEngineName } from './spec.js';
import { commandLine } from './systemd-words.js';

export { ContainerEngineClient, ENGINE_SOCKETS, type ContainerStatus } from './engine-client.js';
export { containerServiceName, renderContainerService, renderContainerOptions, CONTAINER_SUFFIX, type ContainerRendererConfig } from './render.js';
export { containerSpecFromOptions, CONTAINER_ENGINES, type ContainerEngineName, type ContainerSpec } from './spec.js';
export { prepareContainer, orphansOf, type PrepareDeps, type PrepareInput, type PrepareReport } from './prepare.js';
export { PullStore, DEFAULT_CONTAINER_STATE_DIR } from './pull-store.js';
export { pullDecision, recordPull, pullDelayMs, DEFAULT_PULL_BACKOFF, type PullRecord, type PullBackoffPolicy } from './pull-backoff.js';
export { LABEL_MACHINE, LABEL_UNIT } from './run-command.js';
export { containerUnitState, readContainerState, type ContainerUnitState } from './container-state.js';

export interface ContainerUnitsOptions {
  machineId: string;
  /** The agent's units directory (default /run/flotilla/units). */
  unitsDir?: string;
  /** `docker` (default) or `podman`, e.g. from FLOTILLA_CONTAINER_ENGINE; a unit's `[X-Flotilla] Engine=` wins. */
  defaultEngine?: string;
  /** The machine's discovery DNS address (port 53), given to every container with `--dns` (docs/discovery.md). */
  dnsServer?: string;
}

/** The prepare step as this very installation runs it: this node, this package's prepare-main.js. */
export function defaultPrepareCommand(): string[] {
  return [process.execPath, fileURLToPath(new URL('./prepare-main.js', import.meta.url))];
}

/**
 * The renderer for AgentConfig.unitRenderers. A unit that is not a valid container unit still renders: as a
 * service that fails at once and prints why (CONTAINER_UNIT_INVALID), so the unit shows failed with its reason
 * and the agent's other units are unaffected.
 */
export function containerUnitRenderer(opts: ContainerUnitsOptions): ContainerUnitRenderer {
  const engine = opts.defaultEngine || 'docker';
  if (!(CONTAINER_ENGINES as readonly string[]).includes(engine)) {
    throw new ContainerUnitError('*.container', `default engine must be docker or podman, got ${JSON.stringify(engine)}`);
  }
  const config = {
    machineId: opts.machineId,
    unitsDir: opts.unitsDir ?? '/run/flotilla/units',
    defaultEngine: engine as ContainerEngineName,
    prepareCommand: defaultPrepareCommand(),
    ...(opts.dnsServer ? { dnsServer: opts.dnsServer } : {}),
  };
  return {
    suffix: CONTAINER_SUFFIX,
    systemdName: containerServiceName,
    render(unitName: string, options: UnitOption[]): string {
      try {
        return renderContainerService(unitName, options, config);
      } catch (err) {
        if (!(err instanceof ContainerUnitError)) throw err;
        return invalidUnitService(err);
      }
    },
  };
}

function invalidUnitService(err: ContainerUnitError): string {
  const say = ['/bin/sh', '-c', 'echo "$0" >&2; exit 1', `${err.code}: ${err.message}`];
  return canonicalText([
    { section: 'Unit', name: 'Description', value: `invalid container unit ${err.unitName}` },
    { section: 'Service', name: 'Type', value: 'oneshot' },
    { section: 'Service', name: 'ExecStart', value: commandLine(say) },
  ]);
}
