/**
 * ComposeProject → `.container` units (docs/compose.md, docs/containers.md). One unit per service, named
 * `P-S.container`; with `deploy.replicas` a template `P-S@.container` carrying the count (`[X-Flotilla]
 * Replicas=N`, docs/services.md). Each unit carries its discovery name (`ServiceName=S`, `Project=P`) and the
 * endpoint's port. Pure; the same project always gives the same text.
 */
import { canonicalText, type UnitOption } from '@flotilla/core';
import { ComposeInvalidError, type ComposeProblem } from './errors.js';
import type { ComposeProject, PortSpec, ServiceSpec, VolumeSpec } from './model.js';
import { escapeSpecifiers, systemdPair, systemdWord } from './words.js';

export interface ComposeUnit {
  /** `P-S.container` or the template `P-S@.container`. */
  name: string;
  service: string;
  /** The stored replica count of a template; undefined for a single unit. */
  replicas?: number;
  options: UnitOption[];
  text: string;
}

export interface UnitOptions {
  /** Machine ID of a hostname (`node.hostname == H`); the CLI looks it up in the cluster. */
  machineIdOf?(hostname: string): string | undefined;
}

export function unitNameOf(project: string, service: ServiceSpec): string {
  return `${project}-${service.name}${service.replicas === undefined ? '' : '@'}.container`;
}

export function projectUnits(project: ComposeProject, opts: UnitOptions = {}): ComposeUnit[] {
  const names = new Map(project.services.map((s) => [s.name, s]));
  const problems: ComposeProblem[] = [];
  const units = project.services.map((service) => {
    const options = serviceOptions(project, service, names, opts, (message) => problems.push({ kind: 'invalid', file: project.file, line: 1, service: service.name, message }));
    const unit: ComposeUnit = { name: unitNameOf(project.name, service), service: service.name, options, text: canonicalText(options) };
    if (service.replicas !== undefined) unit.replicas = service.replicas;
    return unit;
  });
  if (problems.length > 0) throw new ComposeInvalidError(problems);
  return units;
}

function serviceOptions(
  project: ComposeProject, s: ServiceSpec, services: ReadonlyMap<string, ServiceSpec>, opts: UnitOptions, fail: (m: string) => void,
): UnitOption[] {
  const out: UnitOption[] = [];
  const add = (section: string, name: string, value: string) => out.push({ section, name, value });
  add('Unit', 'Description', `compose ${project.name} service ${s.name}${s.replicas === undefined ? '' : ' %i'}`);
  containerSection(project, s).forEach(([name, value]) => add('Container', name, value));
  add('Service', 'Restart', s.restart);
  if (s.restart !== 'no') add('Service', 'RestartSec', '1');
  fleetSection(project, s, services, opts, fail).forEach(([name, value]) => add('X-Fleet', name, value));
  flotillaSection(project, s).forEach(([name, value]) => add('X-Flotilla', name, value));
  return out;
}

function containerSection(project: ComposeProject, s: ServiceSpec): [string, string][] {
  const out: [string, string][] = [['Image', s.image]];
  // docker's --entrypoint takes the program only; its arguments go before the command, as docker compose sends them.
  const [entry, ...entryArgs] = s.entrypoint ?? [];
  if (entry !== undefined) out.push(['Entrypoint', escapeSpecifiers(entry)]);
  const exec = [...entryArgs, ...(s.command ?? [])];
  if (exec.length > 0) out.push(['Exec', exec.map(systemdWord).join(' ')]);
  for (const [k, v] of s.environment) out.push(['Environment', systemdPair(`${k}=${v}`)]);
  for (const p of s.ports) out.push(['PublishPort', publishValue(p)]);
  for (const v of s.volumes) out.push(['Volume', escapeSpecifiers(volumeValue(v))]);
  out.push(['Label', `com.docker.compose.project=${project.name}`], ['Label', `com.docker.compose.service=${s.name}`]);
  for (const [k, v] of s.labels) out.push(['Label', systemdPair(`${k}=${v}`)]);
  if (s.health) {
    out.push(['HealthCmd', escapeSpecifiers(s.health.cmd)]);
    if (s.health.interval) out.push(['HealthInterval', s.health.interval]);
    if (s.health.timeout) out.push(['HealthTimeout', s.health.timeout]);
    if (s.health.retries !== undefined) out.push(['HealthRetries', String(s.health.retries)]);
    if (s.health.startPeriod) out.push(['HealthStartPeriod', s.health.startPeriod]);
  }
  if (s.memory) out.push(['Memory', s.memory]);
  if (s.cpus) out.push(['Cpus', s.cpus]);
  return out;
}

function publishValue(p: PortSpec): string {
  const proto = p.protocol === 'udp' ? '/udp' : '';
  const ip = p.hostIp === undefined ? '' : `${p.hostIp.includes(':') ? `[${p.hostIp}]` : p.hostIp}:`;
  return `${ip}${p.host}:${p.container}${proto}`;
}

function volumeValue(v: VolumeSpec): string {
  const ro = v.readOnly ? ':ro' : '';
  return v.source === undefined ? `${v.target}${ro}` : `${v.source}:${v.target}${ro}`;
}

/** A unit glob for a service of the project, or the text as the user wrote it (a unit glob of their own). */
function unitGlob(project: string, text: string, services: ReadonlyMap<string, ServiceSpec>, forPeer: boolean): string {
  const target = services.get(text);
  if (!target) return text;
  if (target.replicas === undefined) return `${project}-${text}.container`;
  return forPeer ? `${project}-${text}@1.container` : `${project}-${text}@*.container`;
}

function fleetSection(
  project: ComposeProject, s: ServiceSpec, services: ReadonlyMap<string, ServiceSpec>, opts: UnitOptions, fail: (m: string) => void,
): [string, string][] {
  const out: [string, string][] = [];
  const conflicts = s.conflicts.map((c) => unitGlob(project.name, c, services, false));
  // Instances publishing the same machine ports cannot share a machine.
  if (s.replicas !== undefined && s.ports.length > 0 && s.hostname === undefined) conflicts.unshift(`${project.name}-${s.name}@*.container`);
  if (s.hostname !== undefined) {
    const id = opts.machineIdOf?.(s.hostname);
    if (id === undefined) fail(`constraint node.hostname == ${s.hostname}: no machine of the cluster has that hostname`);
    else out.push(['MachineID', id]);
    if (s.replicas !== undefined && s.replicas > 1 && s.ports.length > 0) fail(`node.hostname puts every replica on one machine, where their published ports clash`);
  }
  for (const c of new Set(conflicts)) out.push(['Conflicts', c]);
  for (const p of s.machineOf) out.push(['MachineOf', unitGlob(project.name, p, services, true)]);
  for (const [k, v] of s.metadata) out.push(['MachineMetadata', `${k}=${v}`]);
  if (s.global) out.push(['Global', 'true']);
  return out;
}

function flotillaSection(project: ComposeProject, s: ServiceSpec): [string, string][] {
  const out: [string, string][] = [['ServiceName', s.name], ['Project', project.name]];
  const port = s.ports.find((p) => p.protocol === 'tcp') ?? s.ports[0];
  if (port) out.push(['Port', String(port.host)]);
  if (s.replicas !== undefined) out.push(['Replicas', String(s.replicas)]);
  if (s.update.maxParallel !== undefined) out.push(['MaxParallel', String(s.update.maxParallel)]);
  if (s.update.minHealthyTime !== undefined) out.push(['MinHealthyTime', s.update.minHealthyTime]);
  if (s.update.healthyDeadline !== undefined) out.push(['HealthyDeadline', s.update.healthyDeadline]);
  if (s.update.autoRevert !== undefined) out.push(['AutoRevert', String(s.update.autoRevert)]);
  return out;
}
