/**
 * `.container` unit → systemd service (Quadlet's naming: `web@1.container` runs as `web@1.service`). Pure: the
 * unit's options in, the service's text out. The service's main process is the engine client running the
 * container in the foreground, so systemd supervises it (Restart=, dependencies, journal); a prepare step
 * (prepare-main.ts, through dockerode) runs first: orphans and stopped leftovers away, image present or pulled
 * with backoff. See docs/containers.md.
 */
import { canonicalText, ContainerUnitError, discoveryProject, discoverySearchDomains, type UnitOption } from '@flotilla/core';
import { removeArgv, runArgv, stopArgv } from './run-command.js';
import { containerSpecFromOptions, FLOTILLA_SECTION, type ContainerEngineName, type ContainerSpec } from './spec.js';
import { commandLine } from './systemd-words.js';

export const CONTAINER_SUFFIX = '.container';

export interface ContainerRendererConfig {
  machineId: string;
  /** Engine for units that do not name one (`[X-Flotilla] Engine=`). Default docker. */
  defaultEngine?: ContainerEngineName;
  /** Command that runs the prepare step: `[node, .../containers/prepare-main.js]`. */
  prepareCommand: string[];
  /** The agent's units directory on the machine (the prepare step treats containers without a unit there as orphans). */
  unitsDir: string;
  binaries?: Partial<Record<ContainerEngineName, string>>;
  /** The machine's discovery DNS (docs/discovery.md): containers get `--dns` it and their unit's search domains. */
  dnsServer?: string;
}

export const DEFAULT_BINARIES: Record<ContainerEngineName, string> = { docker: '/usr/bin/docker', podman: '/usr/bin/podman' };
const ENGINE_SERVICE: Record<ContainerEngineName, string> = { docker: 'docker.service', podman: 'podman.socket' };
/** systemd's start deadline: the prepare step's longest backoff wait (60 s) plus its pull deadline (240 s). */
export const PREPARE_BUDGET_SEC = 300;
/** Sections that describe the container; they do not reach systemd. */
const CONSUMED_SECTIONS = new Set(['Container', FLOTILLA_SECTION]);
/** Service keys the renderer owns; setting them in `[Service]` would give systemd two main commands. */
const OWNED_SERVICE_KEYS = new Set(['ExecStart', 'Type']);

/** The systemd unit a container unit runs as: same stem, `.service`. */
export function containerServiceName(unitName: string): string {
  if (!unitName.endsWith(CONTAINER_SUFFIX)) throw new ContainerUnitError(unitName, `not a ${CONTAINER_SUFFIX} unit`);
  return `${unitName.slice(0, -CONTAINER_SUFFIX.length)}.service`;
}

/** The service's options, in order: user [Unit], ours, our [Service] commands, user [Service], the rest. */
export function renderContainerOptions(unitName: string, options: readonly UnitOption[], config: ContainerRendererConfig): UnitOption[] {
  const spec = containerSpecFromOptions(unitName, options, config.defaultEngine ?? 'docker');
  const owned = options.find((o) => o.section === 'Service' && OWNED_SERVICE_KEYS.has(o.name));
  if (owned) throw new ContainerUnitError(unitName, `[Service] ${owned.name}= is set by the container unit; remove it`);
  const passed = options.filter((o) => !CONSUMED_SECTIONS.has(o.section));
  const userService = passed.filter((o) => o.section === 'Service');
  const unit = (name: string, value: string): UnitOption => ({ section: 'Unit', name, value });
  const engineUnit = ENGINE_SERVICE[spec.engine];
  return [
    ...passed.filter((o) => o.section === 'Unit'),
    unit('Wants', engineUnit),
    unit('After', engineUnit),
    ...serviceOptions(unitName, spec, config, userService, options),
    ...userService,
    ...passed.filter((o) => o.section !== 'Unit' && o.section !== 'Service'),
    // The agent's health checks read the service it runs: keep them there (systemd ignores X- sections).
    ...options.filter((o) => o.section === FLOTILLA_SECTION && o.name.startsWith('Health')),
  ];
}

function serviceOptions(unitName: string, spec: ContainerSpec, config: ContainerRendererConfig, user: UnitOption[], options: readonly UnitOption[]): UnitOption[] {
  const binary = config.binaries?.[spec.engine] ?? DEFAULT_BINARIES[spec.engine];
  const service = (name: string, value: string): UnitOption => ({ section: 'Service', name, value });
  const prepare = [
    ...config.prepareCommand, 'prepare', `--engine=${spec.engine}`, `--unit=${unitName}`, `--container=${spec.name}`,
    `--image=${spec.image}`, `--machine=${config.machineId}`, `--units-dir=${config.unitsDir}`,
  ];
  const dns = config.dnsServer === undefined ? {} : { dns: { server: config.dnsServer, search: discoverySearchDomains(discoveryProject(options)) } };
  const run = commandLine(runArgv(spec, { binary, unitName, machineId: config.machineId, ...dns }));
  const out = [
    service('Environment', `FLOTILLA_CONTAINER=${spec.name}`),
    service('ExecStartPre', commandLine(prepare)),
    service('ExecStart', spec.exec === undefined ? run : `${run} ${spec.exec}`),
    // '-': the container may already be gone (exited, killed); stopping must still succeed.
    service('ExecStop', `-${commandLine(stopArgv(spec, binary))}`),
    service('ExecStopPost', `-${commandLine(removeArgv(spec, binary))}`),
  ];
  // 143: the container ended by `stop` (SIGTERM), a clean stop, as Quadlet counts it.
  if (!user.some((o) => o.name === 'SuccessExitStatus')) out.push(service('SuccessExitStatus', '143'));
  // The prepare step may wait out a pull backoff and then pull: more than systemd's default 90 s.
  if (!user.some((o) => o.name === 'TimeoutStartSec')) out.push(service('TimeoutStartSec', String(PREPARE_BUDGET_SEC)));
  // The engine client must outlive the engine's own stop timeout, or systemd kills the client and not the container.
  if (!user.some((o) => o.name === 'TimeoutStopSec')) out.push(service('TimeoutStopSec', String(spec.stopTimeoutSec + 10)));
  return out;
}

export function renderContainerService(unitName: string, options: readonly UnitOption[], config: ContainerRendererConfig): string {
  return canonicalText(renderContainerOptions(unitName, options, config));
}

/** The agent's renderer hook (AgentConfig.unitRenderers) for `.container` units. */
export interface ContainerUnitRenderer {
  suffix: string;
  systemdName(unitName: string): string;
  render(unitName: string, options: UnitOption[]): string;
}

export function containerRenderer(config: ContainerRendererConfig): ContainerUnitRenderer {
  return {
    suffix: CONTAINER_SUFFIX,
    systemdName: containerServiceName,
    render: (unitName, options) => renderContainerService(unitName, options, config),
  };
}
