/** Small fixture builders for unit tests (not exported from the package). */
import type { UnitOption, UnitSpec } from '../model.js';

export function option(section: string, name: string, value: string): UnitOption {
  return { section, name, value };
}

export function fleet(name: string, value: string): UnitOption {
  return option('X-Fleet', name, value);
}

/** A runnable unit: [Unit] Description, [Service] ExecStart, then the extra options. */
export function unitSpec(name: string, ...extra: UnitOption[]): UnitSpec {
  return {
    name,
    options: [option('Unit', 'Description', `test ${name}`), option('Service', 'ExecStart', '/bin/sleep 1000'), ...extra],
  };
}
