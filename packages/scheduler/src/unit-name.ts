/**
 * fleet's unit name anatomy (`NewUnitNameInfo`): `prefix@instance.suffix`. A template has an `@` and an empty
 * instance (`foo@.service`); templates are stored but never scheduled.
 */
export interface UnitNameInfo {
  /** The whole name, `%n`. */
  full: string;
  /** The name without its suffix, `%N`. */
  stem: string;
  /** Before the first `@` (the stem when there is none), `%p`. */
  prefix: string;
  /** Between the first `@` and the last `.`, `%i`; empty when there is none. */
  instance: string;
  isTemplate: boolean;
}

export function unitNameInfo(name: string): UnitNameInfo {
  const dot = name.lastIndexOf('.');
  const stem = dot < 0 ? name : name.slice(0, dot);
  const at = stem.indexOf('@');
  if (at < 0) return { full: name, stem, prefix: stem, instance: '', isTemplate: false };
  const instance = stem.slice(at + 1);
  return { full: name, stem, prefix: stem.slice(0, at), instance, isTemplate: instance === '' };
}

export function isTemplateUnit(name: string): boolean {
  return unitNameInfo(name).isTemplate;
}
