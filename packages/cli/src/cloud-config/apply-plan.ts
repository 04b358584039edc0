/**
 * What applying a cloud-config does, as an ordered list of steps (pure): write files, install unit files, one
 * daemon-reload, enable, then each unit's command. `$private_ipv4` / `$public_ipv4` in contents are replaced as
 * coreos-cloudinit did.
 */
import type { CloudConfig } from './parse-cloud-config.js';

export type ApplyStep =
  | { kind: 'hostname'; name: string }
  | { kind: 'write'; path: string; content: string; mode: number }
  | { kind: 'authorized-keys'; keys: string[] }
  | { kind: 'systemctl'; args: string[] };

export interface Substitutions {
  privateIpv4?: string;
  publicIpv4?: string;
}

export function substitute(text: string, subs: Substitutions): string {
  return text
    .replaceAll('$private_ipv4', subs.privateIpv4 ?? subs.publicIpv4 ?? '$private_ipv4')
    .replaceAll('$public_ipv4', subs.publicIpv4 ?? subs.privateIpv4 ?? '$public_ipv4');
}

export function planApply(config: CloudConfig, subs: Substitutions): ApplyStep[] {
  const steps: ApplyStep[] = [];
  if (config.hostname) steps.push({ kind: 'hostname', name: config.hostname });
  for (const file of config.files) steps.push({ kind: 'write', path: file.path, content: substitute(file.content, subs), mode: file.mode });
  if (config.sshAuthorizedKeys.length > 0) steps.push({ kind: 'authorized-keys', keys: config.sshAuthorizedKeys });
  const withContent = config.units.filter((u) => u.content !== undefined);
  for (const unit of withContent) {
    const dir = unit.runtime ? '/run/systemd/system' : '/etc/systemd/system';
    steps.push({ kind: 'write', path: `${dir}/${unit.name}`, content: substitute(unit.content!, subs), mode: 0o644 });
  }
  if (withContent.length > 0) steps.push({ kind: 'systemctl', args: ['daemon-reload'] });
  for (const unit of config.units.filter((u) => u.enable)) {
    steps.push({ kind: 'systemctl', args: ['enable', ...(unit.runtime ? ['--runtime'] : []), unit.name] });
  }
  // --no-block: the applier itself runs as a unit during boot; waiting on other jobs could deadlock it.
  for (const unit of config.units.filter((u) => u.command)) steps.push({ kind: 'systemctl', args: ['--no-block', unit.command!, unit.name] });
  return steps;
}
