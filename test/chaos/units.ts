/**
 * The chaos suite's units: one of each kind of placement rule fleet has (docs/scheduler.md, "Placement"), plus
 * plain services, the units the CLI bursts create, and one container unit. The services run `sleep infinity`
 * and the container a busybox httpd, so a unit's state only changes when Flotilla (or a fault) changes it. Engines
 * in every machine are too heavy for five machines on two cores, so only the `ENGINE_SLOTS` machines run a
 * dockerd, and the container unit asks for them with `MachineMetadata=engine=docker`. The checks know every unit
 * by the name systemd runs it under (`box.container` runs as `box.service`, docs/containers.md, "Names").
 * Pure: names, texts and each unit's rules, parsed with core's own [X-Fleet] reader.
 */
import { parseFleetRequirements, parseUnitFile, type FleetRequirements } from '@flotilla/core';

const SLEEP = '[Service]\nExecStart=/bin/sleep infinity\n';

export const PLAIN_UNITS = ['plain-1.service', 'plain-2.service', 'plain-3.service', 'plain-4.service', 'plain-5.service'];
/** Instances of a template that conflicts with itself: one per machine. */
export const CONFLICT_TEMPLATE = 'conf@.service';
export const CONFLICT_UNITS = ['conf@1.service', 'conf@2.service', 'conf@3.service'];
export const PAIR_PEER = 'pair-a.service';
export const PAIR_FOLLOWER = 'pair-b.service';
export const METADATA_UNIT = 'meta.service';
export const GLOBAL_UNIT = 'glob.service';
/** The unit that may never run on two machines at once, whatever the fault (docs/agent.md, "Never run twice"). */
export const STRICT_UNIT = 'solo.service';

/** The container unit, its image (imported into each engine machine: no registry here) and where it can run. */
export const CONTAINER_UNIT = 'box.container';
export const CONTAINER_IMAGE = 'localhost/fl/box:1';
/** Two, so the container unit has a machine to move to while the other is down. */
export const ENGINE_SLOTS: readonly number[] = [1, 2];

/** What the unit runs as in systemd (a `.container` unit runs as its `.service`). */
export function systemdName(unit: string): string {
  return unit.replace(/\.container$/, '.service');
}

/** Metadata each machine slot boots with; a machine that replaces a killed one gets its slot's metadata. */
export function slotMetadata(slot: number): Record<string, string> {
  const metadata: Record<string, string> = { disk: slot % 2 === 0 ? 'ssd' : 'hdd', slot: `s${slot}` };
  if (ENGINE_SLOTS.includes(slot)) metadata.engine = 'docker';
  return metadata;
}

const CONTAINER_TEXT = [
  '[Container]', `Image=${CONTAINER_IMAGE}`, 'Network=none', 'StopTimeout=2',
  '[Service]', 'Restart=always', 'RestartSec=1',
  '[X-Flotilla]', 'Engine=docker',
  '[X-Fleet]', 'MachineMetadata=engine=docker', '',
].join('\n');

/** Unit file name → text, for the files the CLI is given (instances come from their template file beside them). */
export function baseUnitFiles(): Map<string, string> {
  return new Map([
    ...PLAIN_UNITS.map((u) => [u, SLEEP] as [string, string]),
    [CONFLICT_TEMPLATE, `${SLEEP}\n[X-Fleet]\nConflicts=conf@*\n`],
    [PAIR_PEER, SLEEP],
    [PAIR_FOLLOWER, `${SLEEP}\n[X-Fleet]\nMachineOf=${PAIR_PEER}\n`],
    [METADATA_UNIT, `${SLEEP}\n[X-Fleet]\nMachineMetadata=disk=ssd\n`],
    [GLOBAL_UNIT, `${SLEEP}\n[X-Fleet]\nGlobal=true\n`],
    [STRICT_UNIT, `${SLEEP}\n[X-Fleet]\nStopOnLeaseLoss=true\n`],
    [CONTAINER_UNIT, CONTAINER_TEXT],
  ]);
}

/** The units launched before the first fault, as the CLI names them (the template itself is never launched). */
export const BASE_UNITS = [...PLAIN_UNITS, ...CONFLICT_UNITS, PAIR_PEER, PAIR_FOLLOWER, METADATA_UNIT, GLOBAL_UNIT, STRICT_UNIT, CONTAINER_UNIT];

export function burstUnitName(n: number): string {
  return `burst-${n}.service`;
}

export const BURST_UNIT_TEXT = SLEEP;

/**
 * Each unit's [X-Fleet] rules, read from the text it is launched from (an instance from its template), keyed by
 * the name systemd runs it under.
 */
export function unitRules(names: readonly string[]): Map<string, FleetRequirements> {
  const files = baseUnitFiles();
  const rules = new Map<string, FleetRequirements>();
  for (const name of names) {
    const source = name.startsWith('conf@') ? CONFLICT_TEMPLATE : name;
    const text = files.get(source) ?? BURST_UNIT_TEXT;
    rules.set(systemdName(name), parseFleetRequirements(name, parseUnitFile(text, name)));
  }
  return rules;
}
