/**
 * fleetctl's lazy unit creation (`lazyCreateUnits`, fleet's `fleetctl/fleetctl.go`), used by submit and start. Per
 * argument, in order: a unit already in the registry is reused (warning if the local file differs, re-created with
 * --replace when its desired state allows); else the local file; else, for an instance, the template from the
 * registry, then from disk. Every name is validated and every new unit resolved before anything is written, so a
 * bad argument anywhere leaves etcd untouched (fleetctl wrote the earlier units of the batch first).
 */
import {
  assertNewUnitName,
  mangleUnitName,
  unitHash,
  unitNameInfo,
  unknownFleetKeys,
  validateUnitName,
  validateUnitOptions,
  type DesiredState,
  type UnitCatalog,
  type UnitOption,
  type UnitRecord,
} from '@flotilla/core';
import { nothingToReplaceWith, unitNotFoundOnDisk } from '../cli-errors.js';
import type { CommandContext } from '../commands/verb.js';
import { readLocalUnit, templateFilePath, unitFilePath, type LocalUnit } from './local-file.js';

export interface LazyCreateOptions {
  replace: boolean;
  /** Desired states in which --replace may re-create the unit (fleetctl: submit inactive; start any). */
  replaceableStates: readonly DesiredState[];
}

type Plan = { kind: 'reuse'; record: UnitRecord } | { kind: 'create'; name: string; options: UnitOption[]; replace: boolean };

/** The local counterpart of a unit: its own file, else (instances) the template file next to it. */
interface Counterpart {
  local: LocalUnit;
  template: boolean;
}

async function localCounterpart(ctx: CommandContext, file: string, name: string): Promise<Counterpart | undefined> {
  const own = await readLocalUnit(ctx.cwd, file);
  if (own) return { local: own, template: false };
  const info = unitNameInfo(name);
  if (!info.isInstance || info.templateName === undefined) return undefined;
  const template = await readLocalUnit(ctx.cwd, templateFilePath(file, info.templateName));
  return template ? { local: template, template: true } : undefined;
}

/** fleetctl names the argument's path in the warning, even when it compared the template file. */
function warnIfDiffers(ctx: CommandContext, stored: UnitRecord, found: Counterpart | undefined, file: string): void {
  if (found && unitHash(found.local.options) !== stored.hash) {
    ctx.emit({ kind: 'differs', unit: stored.name, file, template: found.template });
  }
}

/** Resolves the unit's contents for a unit that is not in the registry. */
async function resolveNewUnit(ctx: CommandContext, registry: Pick<UnitCatalog, 'getUnit' | 'submitUnit'>, arg: string, name: string): Promise<UnitOption[]> {
  const file = unitFilePath(arg, name);
  const local = await readLocalUnit(ctx.cwd, file);
  if (local) return local.options;
  const info = unitNameInfo(name);
  if (!info.isInstance || info.templateName === undefined) throw unitNotFoundOnDisk(name, false);
  const template = await registry.getUnit(info.templateName);
  if (template) {
    warnIfDiffers(ctx, template, await localCounterpart(ctx, file, name).catch(() => undefined), file);
    return template.options;
  }
  const templateFile = await readLocalUnit(ctx.cwd, templateFilePath(file, info.templateName));
  if (!templateFile) throw unitNotFoundOnDisk(info.templateName, true);
  return templateFile.options;
}

async function planExisting(ctx: CommandContext, existing: UnitRecord, arg: string, opts: LazyCreateOptions): Promise<Plan> {
  const reuse: Plan = { kind: 'reuse', record: existing };
  const file = unitFilePath(arg, existing.name);
  if (!opts.replace) {
    // Without --replace the local file is only compared; an unreadable one is not our business (as fleetctl).
    warnIfDiffers(ctx, existing, await localCounterpart(ctx, file, existing.name).catch(() => undefined), file);
    return reuse;
  }
  const found = await localCounterpart(ctx, file, existing.name);
  if (!found) throw nothingToReplaceWith(existing.name, file);
  if (unitHash(found.local.options) === existing.hash) {
    ctx.emit({ kind: 'same-unit', unit: existing.name });
    return reuse;
  }
  if (!opts.replaceableStates.includes(existing.desiredState)) {
    ctx.emit({ kind: 'cannot-replace', unit: existing.name, desiredState: existing.desiredState });
    return reuse;
  }
  return { kind: 'create', name: existing.name, options: found.local.options, replace: true };
}

async function planUnit(
  ctx: CommandContext, registry: Pick<UnitCatalog, 'getUnit' | 'submitUnit'>, arg: string, existing: UnitRecord | undefined, opts: LazyCreateOptions,
): Promise<Plan> {
  const name = mangleUnitName(arg);
  if (existing) return planExisting(ctx, existing, arg, opts);
  assertNewUnitName(name); // a name no unit may be created under says so, rather than that no file has it
  const options = await resolveNewUnit(ctx, registry, arg, name);
  return { kind: 'create', name, options, replace: false };
}

/** Returns the registry record of every argument, in argument order. */
export async function lazyCreateUnits(ctx: CommandContext, args: readonly string[], opts: LazyCreateOptions): Promise<UnitRecord[]> {
  return (await lazyCreateUnitsIn(ctx, args, opts, 'inactive')).records;
}

export interface LazyCreated {
  /** The registry record of every argument, in argument order. */
  records: UnitRecord[];
  /** Units this call created already in the requested desired state: the caller's state change is done. */
  createdIn: ReadonlySet<string>;
}

/**
 * lazyCreateUnits that writes new units (not --replace, not templates, which cannot be activated) straight in
 * `createIn` (start: launched, load: loaded): one write per unit instead of a submit and a desired-state change.
 * They are still reported as fleetctl prints them, `Unit <name> inactive`, before the caller's `Triggered` line.
 */
export async function lazyCreateUnitsIn(ctx: CommandContext, args: readonly string[], opts: LazyCreateOptions, createIn: DesiredState): Promise<LazyCreated> {
  for (const arg of args) validateUnitName(mangleUnitName(arg));
  const registry = await ctx.registry();
  // One batched lookup (etcd: a transaction of reads per 128 units); planning (which reads files and may warn)
  // stays in argument order.
  const stored = await registry.getUnits(args.map(mangleUnitName));
  const plans: Plan[] = [];
  for (const [i, arg] of args.entries()) plans.push(await planUnit(ctx, registry, arg, stored[i], opts));
  for (const plan of plans) {
    if (plan.kind !== 'create') continue;
    assertNewUnitName(plan.name); // also a --replace of a unit created before the rule
    validateUnitOptions(plan.name, plan.options);
  }
  // New units go in one batched call (a few etcd transactions); a --replace stays one unit at a time.
  const fresh = plans.filter((p): p is Extract<Plan, { kind: 'create' }> => p.kind === 'create' && !p.replace);
  const activatable = fresh.filter((p) => createIn === 'inactive' || !unitNameInfo(p.name).isTemplate);
  const submitted = new Map<string, UnitRecord>();
  const createdIn = new Set<string>();
  const inactiveOnes = fresh.filter((p) => !activatable.includes(p));
  for (const [group, state] of [[activatable, createIn], [inactiveOnes, 'inactive']] as const) {
    if (group.length === 0) continue;
    for (const r of await registry.submitUnits(group.map((p) => ({ name: p.name, options: p.options })), { desiredState: state })) {
      submitted.set(r.name, r);
      if (state !== 'inactive' && r.desiredState === state) createdIn.add(r.name);
    }
  }
  const records: UnitRecord[] = [];
  for (const plan of plans) {
    if (plan.kind === 'reuse') {
      records.push(plan.record);
      continue;
    }
    for (const key of unknownFleetKeys(plan.options)) ctx.emit({ kind: 'unknown-fleet-key', unit: plan.name, key });
    const record = submitted.get(plan.name) ?? (await registry.submitUnit({ name: plan.name, options: plan.options }, { replace: plan.replace }));
    // fleetctl created the unit inactive and printed so; a unit written straight in `createIn` reads the same.
    ctx.emit({ kind: 'unit-state', unit: record.name, state: createdIn.has(record.name) ? 'inactive' : record.desiredState });
    records.push(record);
  }
  return { records, createdIn };
}
