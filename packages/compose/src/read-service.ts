/**
 * One service of a compose file → ServiceSpec: the supported keys (docs/compose.md) read and normalised, every
 * other key reported as unsupported, bad values as invalid, each at its line. Pure: env files are read through
 * the `readFile` the caller gives.
 */
import path from 'node:path';
import { Findings, isRecord, type KeyTable } from './findings.js';
import type { Dependency, HealthSpec, PortSpec, ServiceSpec, UpdateSpec, VolumeSpec } from './model.js';
import { readBuild } from './read-build.js';
import { readConstraints, readEnvFiles, readPorts, readVolumes } from './read-values.js';
import type { Path } from './source.js';
import { shellQuote, shellSplit } from './words.js';

export const SERVICE_KEYS: KeyTable = {
  image: true,
  build: { context: true, dockerfile: true, args: true, target: true },
  command: true,
  entrypoint: true,
  environment: true,
  env_file: true,
  ports: true,
  expose: true,
  volumes: true,
  depends_on: true,
  healthcheck: { test: true, interval: true, timeout: true, retries: true, start_period: true, disable: true },
  restart: true,
  labels: true,
  deploy: {
    replicas: true,
    mode: true,
    placement: { constraints: true },
    resources: { limits: { memory: true, cpus: true } },
    update_config: { parallelism: true, monitor: true, failure_action: true },
  },
  'x-flotilla': { Conflicts: true, MachineOf: true, HealthyDeadline: true },
};

export interface ServiceContext {
  findings: Findings;
  service: string;
  /** The compose file's directory: relative paths (binds, env files) are resolved against it. */
  projectDir: string;
  project: string;
  /** Declared top-level volumes. */
  volumes: ReadonlySet<string>;
  readFile(file: string): string | undefined;
}

/** Go-style durations as compose writes them (`10s`, `1m30s`, `500ms`). */
const DURATION = /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/;

export class ServiceReader {
  private readonly f: Findings;
  private readonly name: string;

  constructor(private readonly ctx: ServiceContext, private readonly raw: Record<string, unknown>) {
    this.f = ctx.findings;
    this.name = ctx.service;
  }

  get serviceName(): string {
    return this.name;
  }

  at(...rest: (string | number)[]): Path {
    return ['services', this.name, ...rest];
  }

  invalid(p: Path, message: string): void {
    this.f.add('invalid', p, this.name, message);
  }

  unsupported(p: Path, message: string): void {
    this.f.add('unsupported', p, this.name, message);
  }

  warn(p: Path, message: string): void {
    this.f.add('warning', p, this.name, message);
  }

  read(): ServiceSpec {
    this.f.checkKeys(this.raw, SERVICE_KEYS, this.at(), this.name);
    const deploy = isRecord(this.raw.deploy) ? this.raw.deploy : {};
    const image = this.raw.image;
    const hasBuild = this.raw.build !== undefined && this.raw.build !== null;
    const build = hasBuild ? readBuild(this, this.raw.build, image, this.ctx.project) : undefined;
    if (!hasBuild && (typeof image !== 'string' || image === '')) {
      this.invalid(this.at(...(image === undefined ? [] : ['image'])), 'key image is required (a built image, e.g. localhost/app:1), or build');
    }
    const spec: ServiceSpec = {
      name: this.name,
      image: build?.image ?? (typeof image === 'string' ? image : ''),
      environment: this.environment(),
      ports: [...readPorts(this, this.raw.ports, this.at('ports')), ...this.expose()],
      volumes: readVolumes(this, this.ctx, this.raw.volumes, this.at('volumes')),
      dependsOn: this.dependsOn(),
      restart: this.restart(),
      labels: this.pairs(this.raw.labels, 'labels'),
      global: false,
      metadata: [],
      update: this.update(deploy),
      conflicts: this.stringList(this.xFlotilla().Conflicts, this.at('x-flotilla', 'Conflicts')),
      machineOf: this.stringList(this.xFlotilla().MachineOf, this.at('x-flotilla', 'MachineOf')),
    };
    if (build) spec.build = build;
    const entrypoint = this.commandWords('entrypoint');
    if (entrypoint) spec.entrypoint = entrypoint;
    const command = this.commandWords('command');
    if (command) spec.command = command;
    const health = this.health();
    if (health) spec.health = health;
    this.deployMode(deploy, spec);
    readConstraints(this, deploy, spec);
    this.limits(deploy, spec);
    return spec;
  }

  private xFlotilla(): Record<string, unknown> {
    return isRecord(this.raw['x-flotilla']) ? this.raw['x-flotilla'] : {};
  }

  /** `command`/`entrypoint`: a list as is, a string split as a shell would (no expansions). */
  private commandWords(key: 'command' | 'entrypoint'): string[] | undefined {
    const value = this.raw[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string') {
      try {
        return shellSplit(value);
      } catch (err) {
        this.invalid(this.at(key), `key ${key}: ${(err as Error).message}`);
        return undefined;
      }
    }
    if (Array.isArray(value) && value.every((w) => typeof w === 'string' || typeof w === 'number')) return value.map(String);
    this.invalid(this.at(key), `key ${key}: expected a string or a list of strings`);
    return undefined;
  }

  /** env_file first, then `environment` over it; a variable without a value takes the CLI's, or is left out. */
  private environment(): [string, string][] {
    const env = new Map<string, string>(readEnvFiles(this, this.ctx, this.raw.env_file, this.at('env_file')));
    for (const [key, value] of this.pairs(this.raw.environment, 'environment', true)) env.set(key, value);
    return [...env];
  }

  /**
   * A map or a `KEY=VALUE` list (environment, labels). In `environment`, `KEY` alone or `KEY: null` means "the
   * value in the environment compose runs in"; interpolation already put it there when it was set.
   */
  pairs(value: unknown, key: string, fromEnv = false): [string, string][] {
    if (value === undefined || value === null) return [];
    const out: [string, string][] = [];
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    if (isRecord(value)) {
      for (const [k, v] of Object.entries(value)) {
        if (v === null && fromEnv) continue;
        if (!scalar(v)) this.invalid(this.at(key, k), `key ${key}.${k}: expected a string, number or boolean`);
        else out.push([k, String(v)]);
      }
      return out;
    }
    if (Array.isArray(value)) {
      value.forEach((item, i) => {
        if (typeof item !== 'string') return this.invalid(this.at(key, i), `key ${key}: expected KEY=VALUE strings`);
        const eq = item.indexOf('=');
        if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1)]);
        else if (!fromEnv) out.push([item, '']);
      });
      return out;
    }
    this.invalid(this.at(key), `key ${key}: expected a map or a list`);
    return out;
  }

  /** `expose`: published on the machine at the same number, so other services reach NAME:PORT on any machine. */
  private expose(): PortSpec[] {
    const value = this.raw.expose;
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.invalid(this.at('expose'), 'key expose: expected a list of ports');
      return [];
    }
    const out: PortSpec[] = [];
    value.forEach((item, i) => {
      const m = /^(\d+)(?:\/(tcp|udp))?$/.exec(String(item));
      const port = m ? Number(m[1]) : NaN;
      if (!m || port < 1 || port > 65535) return this.invalid(this.at('expose', i), `key expose: ${JSON.stringify(item)} is not a port (ranges are not supported)`);
      out.push({ host: port, container: port, protocol: (m[2] ?? 'tcp') as 'tcp' | 'udp' });
    });
    return out;
  }

  private dependsOn(): Dependency[] {
    const value = this.raw.depends_on;
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value.filter((s): s is string => typeof s === 'string').map((service) => ({ service, condition: 'service_started' }));
    if (!isRecord(value)) {
      this.invalid(this.at('depends_on'), 'key depends_on: expected a list or a map of services');
      return [];
    }
    const out: Dependency[] = [];
    for (const [service, rule] of Object.entries(value)) {
      const cond = isRecord(rule) ? (rule.condition ?? 'service_started') : 'service_started';
      if (isRecord(rule)) {
        for (const k of Object.keys(rule)) {
          if (k !== 'condition' && k !== 'required') this.f.unsupportedKey(this.at('depends_on', service, k), this.name, `depends_on.${service}.${k}`);
        }
      }
      if (cond !== 'service_started' && cond !== 'service_healthy') {
        this.unsupported(this.at('depends_on', service, 'condition'), `key depends_on.${service}.condition: ${String(cond)} is not supported (service_started, service_healthy)`);
        continue;
      }
      out.push({ service, condition: cond });
    }
    return out;
  }

  private health(): HealthSpec | undefined {
    const hc = this.raw.healthcheck;
    if (!isRecord(hc) || hc.disable === true) return undefined;
    const test = hc.test;
    let cmd: string | undefined;
    if (typeof test === 'string') cmd = test;
    else if (Array.isArray(test) && test.every((w) => typeof w === 'string')) {
      const [kind, ...rest] = test as string[];
      if (kind === 'NONE') return undefined;
      if (kind === 'CMD-SHELL' && rest.length === 1) cmd = rest[0];
      else if (kind === 'CMD' && rest.length > 0) cmd = rest.map(shellQuote).join(' ');
    }
    if (cmd === undefined || cmd === '') {
      this.invalid(this.at('healthcheck', 'test'), 'key healthcheck.test: expected a string, ["CMD", …], ["CMD-SHELL", "…"] or ["NONE"]');
      return undefined;
    }
    const health: HealthSpec = { cmd };
    for (const [key, field] of [['interval', 'interval'], ['timeout', 'timeout'], ['start_period', 'startPeriod']] as const) {
      const d = this.duration(hc[key], this.at('healthcheck', key), `healthcheck.${key}`);
      if (d !== undefined) health[field] = d;
    }
    if (hc.retries !== undefined) {
      if (Number.isInteger(hc.retries) && (hc.retries as number) >= 0) health.retries = hc.retries as number;
      else this.invalid(this.at('healthcheck', 'retries'), 'key healthcheck.retries: expected a whole number');
    }
    return health;
  }

  duration(value: unknown, p: Path, key: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value === 'string' && DURATION.test(value)) return value;
    this.invalid(p, `key ${key}: expected a duration such as 10s or 1m30s, got ${JSON.stringify(value)}`);
    return undefined;
  }

  /** compose's restart policies as systemd's Restart=; absent means always, as a swarm service restarts. */
  private restart(): ServiceSpec['restart'] {
    const value = this.raw.restart;
    if (value === undefined || value === null || value === 'always' || value === 'unless-stopped') return 'always';
    if (value === 'no' || value === false) return 'no';
    if (value === 'on-failure') return 'on-failure';
    if (typeof value === 'string' && /^on-failure:\d+$/.test(value)) {
      this.unsupported(this.at('restart'), `key restart: ${value} is not supported (a retry count); use on-failure`);
      return 'on-failure';
    }
    this.invalid(this.at('restart'), `key restart: expected no, always, on-failure or unless-stopped, got ${JSON.stringify(value)}`);
    return 'always';
  }

  private deployMode(deploy: Record<string, unknown>, spec: ServiceSpec): void {
    const mode = deploy.mode ?? 'replicated';
    if (mode === 'global') spec.global = true;
    else if (mode !== 'replicated') this.unsupported(this.at('deploy', 'mode'), `key deploy.mode: ${String(mode)} is not supported (replicated, global)`);
    if (deploy.replicas === undefined || deploy.replicas === null) return;
    if (!Number.isInteger(deploy.replicas) || (deploy.replicas as number) < 0 || (deploy.replicas as number) > 1000) {
      this.invalid(this.at('deploy', 'replicas'), 'key deploy.replicas: expected a whole number from 0 to 1000');
    } else if (spec.global) {
      this.invalid(this.at('deploy', 'replicas'), 'key deploy.replicas: a global service runs once on every machine; remove replicas');
    } else {
      spec.replicas = deploy.replicas as number;
    }
  }

  private limits(deploy: Record<string, unknown>, spec: ServiceSpec): void {
    const limits = isRecord(deploy.resources) && isRecord(deploy.resources.limits) ? deploy.resources.limits : {};
    const p = (k: string) => this.at('deploy', 'resources', 'limits', k);
    if (limits.memory !== undefined) {
      const m = /^(\d+(?:\.\d+)?)\s*([bkmg])?b?$/i.exec(String(limits.memory));
      if (m) spec.memory = `${m[1]}${(m[2] ?? 'b').toLowerCase()}`;
      else this.invalid(p('memory'), `key deploy.resources.limits.memory: expected a byte value such as 512M, got ${JSON.stringify(limits.memory)}`);
    }
    if (limits.cpus !== undefined) {
      const cpus = Number(limits.cpus);
      if (Number.isFinite(cpus) && cpus > 0) spec.cpus = String(cpus);
      else this.invalid(p('cpus'), `key deploy.resources.limits.cpus: expected a positive number, got ${JSON.stringify(limits.cpus)}`);
    }
  }

  private update(deploy: Record<string, unknown>): UpdateSpec {
    const uc = isRecord(deploy.update_config) ? deploy.update_config : {};
    const p = (k: string) => this.at('deploy', 'update_config', k);
    const out: UpdateSpec = {};
    if (uc.parallelism !== undefined) {
      if (Number.isInteger(uc.parallelism) && (uc.parallelism as number) >= 1) out.maxParallel = uc.parallelism as number;
      else this.invalid(p('parallelism'), 'key deploy.update_config.parallelism: expected a whole number from 1');
    }
    const monitor = this.duration(uc.monitor, p('monitor'), 'deploy.update_config.monitor');
    if (monitor !== undefined) out.minHealthyTime = monitor;
    if (uc.failure_action === 'rollback') out.autoRevert = true;
    else if (uc.failure_action === 'pause') out.autoRevert = false;
    else if (uc.failure_action !== undefined) {
      this.unsupported(p('failure_action'), `key deploy.update_config.failure_action: ${String(uc.failure_action)} is not supported (rollback, pause)`);
    }
    const deadline = this.duration(this.xFlotilla().HealthyDeadline, this.at('x-flotilla', 'HealthyDeadline'), 'x-flotilla.HealthyDeadline');
    if (deadline !== undefined) out.healthyDeadline = deadline;
    return out;
  }

  stringList(value: unknown, p: Path): string[] {
    if (value === undefined || value === null) return [];
    if (typeof value === 'string') return [value];
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
    this.invalid(p, 'expected a string or a list of strings');
    return [];
  }

  resolvePath(p: string): string {
    return path.resolve(this.ctx.projectDir, p);
  }
}
