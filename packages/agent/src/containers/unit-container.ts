/**
 * Which container a rendered container service runs: read back from the prepare step's command line
 * in the agent's own unit file, so the state publisher needs nothing but the file systemd runs. Then the
 * engine's view of it, as the registry publishes it (`UnitStateRecord.container`).
 */
import { parseUnitFile, type ContainerStateSummary } from '@flotilla/core';
import { ContainerEngineClient } from './engine-client.js';
import { readContainerState, type ContainerUnitState } from './container-state.js';
import { PullStore } from './pull-store.js';
import { CONTAINER_ENGINES, type ContainerEngineName } from './spec.js';
import { splitWords } from './systemd-words.js';

export interface UnitContainer {
  engine: ContainerEngineName;
  unit: string;
  container: string;
}

/** Pure: the container of a rendered service text, or undefined for a unit that is not a container service. */
export function unitContainerOf(serviceText: string): UnitContainer | undefined {
  for (const o of parseUnitFile(serviceText)) {
    if (o.section !== 'Service' || o.name !== 'ExecStartPre') continue;
    const words = splitWords(o.value.replace(/^[-@:+!]+/, ''));
    if (!words.includes('prepare')) continue;
    const arg = (key: string) => words.find((w) => w.startsWith(`--${key}=`))?.slice(key.length + 3);
    const [engine, unit, container] = [arg('engine'), arg('unit'), arg('container')];
    if (engine && unit && container && (CONTAINER_ENGINES as readonly string[]).includes(engine)) {
      return { engine: engine as ContainerEngineName, unit, container };
    }
  }
  return undefined;
}

/** Pure: the agent's container state → the registry's summary (the pull error becomes `error`). */
export function containerSummary(s: ContainerUnitState): ContainerStateSummary {
  return {
    state: s.state,
    ...(s.exitCode === undefined ? {} : { exitCode: s.exitCode }),
    ...(s.health === undefined ? {} : { health: s.health }),
    ...(s.pullError === undefined ? {} : { error: s.pullError }),
  };
}

/** Reads container states through one engine client per engine, and the pull records the prepare step keeps. */
export class ContainerStates {
  private readonly clients = new Map<ContainerEngineName, ContainerEngineClient>();

  constructor(private readonly store = new PullStore(process.env.FLOTILLA_CONTAINER_STATE_DIR || undefined)) {}

  async read(serviceText: string): Promise<ContainerStateSummary | undefined> {
    const target = unitContainerOf(serviceText);
    if (target === undefined) return undefined;
    let client = this.clients.get(target.engine);
    if (client === undefined) this.clients.set(target.engine, (client = new ContainerEngineClient(target.engine)));
    return containerSummary(await readContainerState(target.unit, target.container, client, this.store));
  }
}
