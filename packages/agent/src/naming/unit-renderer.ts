/**
 * How a registry unit becomes a systemd unit. Plain units (`.service`, `.timer`, ...) run under their own
 * name with core's canonical text. A `UnitRenderer` (e.g. the containers package's `.container`) turns a unit
 * of another kind into a systemd unit: written and run under `systemdName(name)`, its state read from that
 * systemd unit, but published under the registry name.
 */
import { canonicalText, type UnitOption } from '@flotilla/core';
import { isManagedUnitName } from '../unit-files.js';

export interface UnitRenderer {
  /** The registry unit suffix this renderer handles, e.g. '.container'. */
  suffix: string;
  /** The systemd unit it runs as, e.g. web@1.container → web@1.service. Must be a managed systemd unit type. */
  systemdName(unitName: string): string;
  /** The unit text systemd gets. */
  render(unitName: string, options: UnitOption[]): string;
}

export interface RenderedUnit {
  systemdName: string;
  text: string;
}

/** The renderer for `unitName`, if any (longest matching suffix wins). */
export function rendererFor(renderers: readonly UnitRenderer[], unitName: string): UnitRenderer | undefined {
  let best: UnitRenderer | undefined;
  for (const r of renderers) if (unitName.endsWith(r.suffix) && r.suffix.length > (best?.suffix.length ?? 0)) best = r;
  return best;
}

/** The systemd name a registry unit runs under, or undefined if the agent cannot run it (unknown unit type). */
export function systemdNameOf(renderers: readonly UnitRenderer[], unitName: string): string | undefined {
  const renderer = rendererFor(renderers, unitName);
  const name = renderer ? renderer.systemdName(unitName) : unitName;
  return isManagedUnitName(name) ? name : undefined;
}

/** Systemd name + text, or undefined if the agent cannot run the unit. */
export function renderUnit(renderers: readonly UnitRenderer[], unitName: string, options: UnitOption[]): RenderedUnit | undefined {
  const systemdName = systemdNameOf(renderers, unitName);
  if (systemdName === undefined) return undefined;
  const renderer = rendererFor(renderers, unitName);
  return { systemdName, text: renderer ? renderer.render(unitName, options) : canonicalText(options) };
}
