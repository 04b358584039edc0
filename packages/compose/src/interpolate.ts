/**
 * The Compose Specification's interpolation of `$VAR` / `${VAR}` in string values (compose-spec
 * `interpolation.md`): `${VAR:-default}` / `${VAR-default}`, `${VAR:?error}` / `${VAR?error}`,
 * `${VAR:+alt}` / `${VAR+alt}`, and `$$` for a literal `$`. Pure: the variables are passed in.
 */
export interface Interpolated {
  value: string;
  /** Variables used without a value and without a default (docker compose warns and uses ""). */
  unset: string[];
}

export class InterpolationError extends Error {}

const TOKEN = /\$(?:(\$)|\{([^}]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])(.*))?$/s;

export function interpolate(text: string, env: Readonly<Record<string, string | undefined>>): Interpolated {
  const unset: string[] = [];
  const value = text.replace(TOKEN, (_match, dollar: string | undefined, braced: string | undefined, bare: string | undefined) => {
    if (dollar !== undefined) return '$';
    if (bare !== undefined) return lookup(bare, env, unset);
    const m = BRACED.exec(braced ?? '');
    if (!m) throw new InterpolationError(`invalid interpolation format for \${${braced}}`);
    const [, name, colon, op, arg] = m as unknown as [string, string, string, string | undefined, string | undefined];
    if (op === undefined) return lookup(name, env, unset);
    const current = env[name];
    // With ':', an empty value counts as unset.
    const isSet = current !== undefined && (colon === '' || current !== '');
    if (op === '-') return isSet ? current : (arg ?? '');
    if (op === '+') return isSet ? (arg ?? '') : '';
    if (!isSet) throw new InterpolationError(`required variable ${name} is missing a value${arg ? `: ${arg}` : ''}`);
    return current;
  });
  return { value, unset };
}

function lookup(name: string, env: Readonly<Record<string, string | undefined>>, unset: string[]): string {
  const value = env[name];
  if (value === undefined) {
    unset.push(name);
    return '';
  }
  return value;
}
