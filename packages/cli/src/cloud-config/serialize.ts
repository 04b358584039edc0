/** The node plan in the three formats we ship: CoreOS cloud-config, Butane (fcos 1.4.0) and Ignition 3.3.0. */
import { stringify } from 'yaml';
import type { NodePlan } from './node-plan.js';

const YAML_OPTIONS = { lineWidth: 0, blockQuote: 'literal' as const };

export function toCloudConfig(plan: NodePlan): string {
  const doc: Record<string, unknown> = {};
  if (plan.hostname) doc.hostname = plan.hostname;
  doc.write_files = plan.files.map((f) => ({ path: f.path, permissions: octal(f.mode), content: f.content }));
  doc.coreos = {
    units: plan.units.map((u) => ({ name: u.name, ...(u.start ? { enable: true, command: 'start' } : {}), content: u.content })),
  };
  return `#cloud-config\n${stringify(doc, YAML_OPTIONS)}`;
}

export function toButane(plan: NodePlan): string {
  const files = plan.files.map((f) => ({ path: f.path, mode: f.mode, contents: { inline: f.content } }));
  if (plan.hostname) files.unshift({ path: '/etc/hostname', mode: 0o644, contents: { inline: `${plan.hostname}\n` } });
  const doc = {
    variant: 'fcos',
    version: '1.4.0',
    storage: { files },
    systemd: { units: plan.units.map((u) => ({ name: u.name, enabled: u.start, contents: u.content })) },
  };
  // Butane writes modes in octal; yaml would print decimal, so mark them.
  return stringify(doc, YAML_OPTIONS).replace(/^(\s*)mode: (\d+)$/gm, (_m, indent: string, n: string) => `${indent}mode: 0${Number(n).toString(8)}`);
}

export interface IgnitionConfig {
  ignition: { version: '3.3.0' };
  storage: { files: { path: string; mode: number; overwrite: boolean; contents: { source: string } }[] };
  systemd: { units: { name: string; enabled: boolean; contents: string }[] };
}

export function toIgnition(plan: NodePlan): IgnitionConfig {
  const files = plan.files.map((f) => ({ path: f.path, mode: f.mode, content: f.content }));
  if (plan.hostname) files.unshift({ path: '/etc/hostname', mode: 0o644, content: `${plan.hostname}\n` });
  return {
    ignition: { version: '3.3.0' },
    storage: { files: files.map((f) => ({ path: f.path, mode: f.mode, overwrite: true, contents: { source: dataUrl(f.content) } })) },
    systemd: { units: plan.units.map((u) => ({ name: u.name, enabled: u.start, contents: u.content })) },
  };
}

/** RFC 2397 data URL, percent-encoded (what Butane emits for inline contents). */
export function dataUrl(text: string): string {
  return `data:,${encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

function octal(mode: number): string {
  return `0${mode.toString(8)}`;
}
