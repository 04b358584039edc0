/**
 * A compose file → ComposeProject: YAML with lines (source.ts), interpolation of `${VAR}`, the top-level keys,
 * each service (read-service.ts), and the references between services. Every problem is collected first, then
 * invalid ones throw ComposeInvalidError and unsupported ones ComposeUnsupportedError (or become warnings).
 */
import path from 'node:path';
import { ComposeInvalidError, ComposeUnsupportedError, type ComposeProblem } from './errors.js';
import { Findings, isRecord } from './findings.js';
import { interpolate, InterpolationError } from './interpolate.js';
import type { ComposeProject, ServiceSpec } from './model.js';
import { projectName } from './project-name.js';
import { ServiceReader } from './read-service.js';
import { readComposeSource, type Path } from './source.js';

export interface ReadOptions {
  /** The compose file's path, as named in messages; its directory resolves relative paths unless `dir` is given. */
  file: string;
  /** The directory holding the file (default: the file's, resolved against the process's working directory). */
  dir?: string;
  /** `-p`; else the file's `name:`, else the file's directory name (docker compose's order). */
  project?: string;
  /** Variables for `${VAR}` (docker compose: the shell's environment). */
  env?: Readonly<Record<string, string | undefined>>;
  readFile?(file: string): string | undefined;
  ignoreUnsupported?: boolean;
}

/** A service name is its DNS name (docs/compose.md): a DNS label. */
const DNS_LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const TOP_LEVEL = new Set(['name', 'services', 'volumes', 'version']);

export function readComposeProject(text: string, opts: ReadOptions): ComposeProject {
  const source = readComposeSource(text, opts.file);
  const findings = new Findings(source);
  const root = interpolateTree(source.value, [], opts.env ?? {}, findings, new Set());
  if (!isRecord(root)) throw new ComposeInvalidError([{ kind: 'invalid', file: opts.file, line: 1, message: 'a compose file is a map with a services key' }]);
  for (const key of Object.keys(root)) {
    if (!TOP_LEVEL.has(key) && !key.startsWith('x-')) findings.unsupportedKey([key], undefined, key);
  }
  if (root.version !== undefined) findings.add('warning', ['version'], undefined, 'key version is obsolete and ignored');
  const dir = opts.dir ?? path.dirname(path.resolve(opts.file));
  const name = projectName(opts.project, dir, root.name, findings);
  const volumes = topLevelVolumes(root.volumes, findings);
  const services = readServices(root.services, findings, { name, dir, volumes, readFile: opts.readFile ?? (() => undefined) });
  checkReferences(services, findings);
  return { name, file: opts.file, services, warnings: settle(findings.problems, opts.ignoreUnsupported ?? false) };
}

/** Throws for invalid findings, and for unsupported ones unless ignored; returns what is left as warnings. */
function settle(problems: readonly ComposeProblem[], ignoreUnsupported: boolean): ComposeProblem[] {
  const invalid = problems.filter((p) => p.kind === 'invalid');
  if (invalid.length > 0) throw new ComposeInvalidError(invalid);
  const unsupported = problems.filter((p) => p.kind === 'unsupported');
  if (unsupported.length > 0 && !ignoreUnsupported) throw new ComposeUnsupportedError(unsupported);
  return problems.map((p) => (p.kind === 'unsupported' ? { ...p, kind: 'warning', message: `${p.message} (ignored)` } : p));
}

function interpolateTree(value: unknown, at: Path, env: Readonly<Record<string, string | undefined>>, findings: Findings, warned: Set<string>): unknown {
  if (typeof value === 'string') {
    try {
      const { value: out, unset } = interpolate(value, env);
      for (const v of unset.filter((u) => !warned.has(u))) {
        warned.add(v);
        findings.add('warning', at, undefined, `variable ${v} is not set; using an empty string`);
      }
      return out;
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      findings.add('invalid', at, undefined, err.message);
      return value;
    }
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateTree(v, [...at, i], env, findings, warned));
  if (isRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolateTree(v, [...at, k], env, findings, warned);
    return out;
  }
  return value;
}

function topLevelVolumes(value: unknown, findings: Findings): Set<string> {
  if (value === undefined || value === null) return new Set();
  if (!isRecord(value)) {
    findings.add('invalid', ['volumes'], undefined, 'key volumes: expected a map of volume names');
    return new Set();
  }
  for (const [name, spec] of Object.entries(value)) {
    if (spec === null || spec === undefined) continue;
    if (!isRecord(spec)) findings.add('invalid', ['volumes', name], undefined, `key volumes.${name}: expected a map`);
    else for (const k of Object.keys(spec)) findings.unsupportedKey(['volumes', name, k], undefined, `volumes.${name}.${k}`);
  }
  return new Set(Object.keys(value));
}

interface ProjectContext {
  name: string;
  dir: string;
  volumes: Set<string>;
  readFile(file: string): string | undefined;
}

function readServices(value: unknown, findings: Findings, project: ProjectContext): ServiceSpec[] {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    findings.add('invalid', value === undefined ? [] : ['services'], undefined, 'key services: expected a map of at least one service');
    return [];
  }
  const out: ServiceSpec[] = [];
  for (const [service, raw] of Object.entries(value)) {
    if (!DNS_LABEL.test(service)) {
      findings.add('invalid', ['services', service], service, 'the service name is its DNS name: lower-case letters, digits, _ and -, at most 63, not starting or ending with -');
      continue;
    }
    if (!isRecord(raw)) {
      findings.add('invalid', ['services', service], service, 'expected a map of keys');
      continue;
    }
    const ctx = { findings, service, projectDir: project.dir, project: project.name, volumes: project.volumes, readFile: project.readFile };
    out.push(new ServiceReader(ctx, raw).read());
  }
  return out;
}

function checkReferences(services: readonly ServiceSpec[], findings: Findings): void {
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services) {
    for (const dep of s.dependsOn) {
      const target = byName.get(dep.service);
      const at = ['services', s.name, 'depends_on', dep.service];
      if (!target) findings.add('invalid', at, s.name, `key depends_on: no service ${dep.service}`);
      else if (dep.condition === 'service_healthy' && !target.health) {
        findings.add('invalid', at, s.name, `key depends_on: ${dep.service} has no healthcheck, so service_healthy can never hold`);
      }
    }
  }
  const cycle = dependencyCycle(services);
  if (cycle) findings.add('invalid', ['services', cycle[0]!, 'depends_on'], cycle[0], `key depends_on: a cycle ${cycle.join(' → ')}`);
}

/** A dependency cycle as service names (first repeated at the end), if any. */
function dependencyCycle(services: readonly ServiceSpec[]): string[] | undefined {
  const deps = new Map(services.map((s) => [s.name, s.dependsOn.map((d) => d.service)]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const d of deps.get(name) ?? []) {
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const s of services) {
    const found = visit(s.name);
    if (found) return found;
  }
  return undefined;
}
