/**
 * Reads a CoreOS cloud-config (the subset Flotilla nodes use: hostname, write_files, coreos.units,
 * ssh_authorized_keys) into a NodePlan-like value. Errors name the file, line and key. Pure.
 */
import { FlotillaError } from '@flotilla/core';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLError } from 'yaml';

export class CloudConfigError extends FlotillaError {
  constructor(file: string, line: number, message: string) {
    super('CLOUD_CONFIG_INVALID', `${file}:${line}: ${message}`, { hint: 'see docs/cloud-config.md for the supported keys' });
  }
}

/**
 * The document's first YAML error, at its line. Deep nesting overflows the yaml library's recursive composer,
 * which reports V8's 'Maximum call stack size exceeded' as RESOURCE_EXHAUSTION: say what is wrong instead.
 */
export function yamlSyntaxError(file: string, error: YAMLError): CloudConfigError {
  const line = error.linePos?.[0]?.line ?? 1;
  const message =
    error.code === 'RESOURCE_EXHAUSTION' ? 'collections nested too deeply'
    : error.code === 'MULTIPLE_DOCS' ? 'more than one YAML document (---): a config is one document'
    : error.message.split('\n')[0]!;
  return new CloudConfigError(file, line, message);
}

/**
 * `message` about `node`, saying so when the node is an alias: the readers walk the YAML nodes, where `*a` is one
 * node and is never expanded (so an alias bomb costs nothing), and reading through it is not supported.
 */
export function aliasAware(node: unknown, message: string): string {
  return isAlias(node) ? `${message} (*${node.source} is an alias: aliases are not resolved, write the value out)` : message;
}

/**
 * The largest config the readers take. The yaml library's node tree holds about 100 times the text (a 3.7 MB
 * cloud-config took 330 MB of heap and 3 s; docs/benchmarks.md, "fuzz-api / fuzz-config"), so a big file could
 * exhaust the applier's memory at boot; node configs are a few KiB.
 */
export const MAX_CONFIG_BYTES = 1 << 20;

export function checkConfigSize(text: string, file: string): void {
  const bytes = text.length > MAX_CONFIG_BYTES ? text.length : Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) throw new CloudConfigError(file, 1, `file too large: more than ${MAX_CONFIG_BYTES} bytes`);
}

export interface CloudConfigFile {
  path: string;
  content: string;
  mode: number;
}

export interface CloudConfigUnit {
  name: string;
  content?: string;
  enable: boolean;
  command?: 'start' | 'stop' | 'restart' | 'reload' | 'try-restart' | 'reload-or-restart' | 'reload-or-try-restart';
  runtime: boolean;
}

export interface CloudConfig {
  hostname?: string;
  files: CloudConfigFile[];
  units: CloudConfigUnit[];
  sshAuthorizedKeys: string[];
  /** Keys we do not apply (coreos-cloudinit warned about unknown keys too). */
  warnings: string[];
}

const UNIT_COMMANDS = new Set(['start', 'stop', 'restart', 'reload', 'try-restart', 'reload-or-restart', 'reload-or-try-restart']);
export const UNIT_NAME = /^[A-Za-z0-9:_.@-]+\.(service|socket|timer|path|mount|automount|target)$/;

export function parseCloudConfig(text: string, file = 'cloud-config'): CloudConfig {
  checkConfigSize(text, file);
  if (!/^#cloud-config\s*(\n|$)/.test(text)) throw new CloudConfigError(file, 1, 'must start with "#cloud-config"');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1);
  const fail = (node: Node | null | undefined, message: string): never => {
    throw new CloudConfigError(file, lineOf(node), aliasAware(node, message));
  };
  if (doc.errors.length > 0) throw yamlSyntaxError(file, doc.errors[0]!);
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'the document must be a mapping of keys');
  const out: CloudConfig = { files: [], units: [], sshAuthorizedKeys: [], warnings: [] };
  const str = (node: unknown, key: string): string => {
    if (!isScalar(node) || typeof node.value !== 'string') return fail(node as Node, `${key} must be a string`);
    return node.value;
  };
  const bool = (node: unknown, key: string): boolean => {
    if (!isScalar(node) || typeof node.value !== 'boolean') return fail(node as Node, `${key} must be true or false`);
    return node.value;
  };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as Node | null;
    switch (key) {
      case 'hostname':
        out.hostname = str(value, 'hostname');
        if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(out.hostname)) fail(value, `hostname "${out.hostname}" is not a valid host name`);
        break;
      case 'write_files':
        if (!isSeq(value)) return fail(value, 'write_files must be a list');
        for (const item of value.items) out.files.push(parseFile(item as Node, str, fail));
        break;
      case 'ssh_authorized_keys':
        if (!isSeq(value)) return fail(value, 'ssh_authorized_keys must be a list');
        for (const item of value.items) out.sshAuthorizedKeys.push(str(item, 'ssh_authorized_keys[]'));
        break;
      case 'coreos': {
        if (!isMap(value)) return fail(value, 'coreos must be a mapping');
        for (const inner of value.items) {
          const innerKey = isScalar(inner.key) ? String(inner.key.value) : '';
          if (innerKey !== 'units') {
            out.warnings.push(`${file}:${lineOf(inner.key as Node)}: coreos.${innerKey} is not applied by Flotilla's applier`);
            continue;
          }
          if (!isSeq(inner.value)) return fail(inner.value as Node, 'coreos.units must be a list');
          for (const item of inner.value.items) out.units.push(parseUnit(item as Node, str, bool, fail));
        }
        break;
      }
      default:
        out.warnings.push(`${file}:${lineOf(pair.key as Node)}: unrecognized key "${key}" ignored`);
    }
  }
  return out;
}

type Str = (node: unknown, key: string) => string;
type Bool = (node: unknown, key: string) => boolean;
type Fail = (node: Node | null | undefined, message: string) => never;

function parseFile(node: Node, str: Str, fail: Fail): CloudConfigFile {
  if (!isMap(node)) return fail(node, 'each write_files entry must be a mapping');
  const path = node.get('path', true);
  if (!path) return fail(node, 'write_files entry needs a path');
  const file: CloudConfigFile = { path: str(path, 'write_files[].path'), content: '', mode: 0o644 };
  if (!file.path.startsWith('/') || file.path.split('/').includes('..')) fail(path as Node, `path "${file.path}" must be absolute without ".."`);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'content') file.content = str(pair.value, 'write_files[].content');
    else if (key === 'permissions') {
      // The text as written, read as octal, as coreos-cloudinit did (a string field): YAML's own reading of
      // 0o644 (420), 0x1ff (511) or 1e3 (1000) turned into the wrong octal digits.
      const raw = isScalar(pair.value) ? String(pair.value.source ?? pair.value.value) : '';
      if (!/^0?[0-7]{3,4}$/.test(raw)) fail(pair.value as Node, `permissions "${raw}" must be octal like "0644"`);
      file.mode = parseInt(raw, 8);
    } else if (key === 'owner') {
      const owner = str(pair.value, 'write_files[].owner');
      if (owner !== 'root' && owner !== 'root:root') fail(pair.value as Node, `owner "${owner}" is not supported (root only)`);
    } else if (key === 'encoding') fail(pair.value as Node, 'encoding is not supported: give content as plain text');
    else if (key !== 'path') fail(pair.key as Node, `unknown write_files key "${key}"`);
  }
  return file;
}

function parseUnit(node: Node, str: Str, bool: Bool, fail: Fail): CloudConfigUnit {
  if (!isMap(node)) return fail(node, 'each coreos.units entry must be a mapping');
  const nameNode = node.get('name', true);
  if (!nameNode) return fail(node, 'coreos.units entry needs a name');
  const unit: CloudConfigUnit = { name: str(nameNode, 'coreos.units[].name'), enable: false, runtime: false };
  if (!UNIT_NAME.test(unit.name)) fail(nameNode as Node, `"${unit.name}" is not a valid unit name`);
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'content') unit.content = str(pair.value, 'coreos.units[].content');
    else if (key === 'enable') unit.enable = bool(pair.value, 'enable');
    else if (key === 'runtime') unit.runtime = bool(pair.value, 'runtime');
    else if (key === 'command') {
      const command = str(pair.value, 'coreos.units[].command');
      if (!UNIT_COMMANDS.has(command)) fail(pair.value as Node, `unknown command "${command}"`);
      unit.command = command as CloudConfigUnit['command'];
    } else if (key !== 'name') fail(pair.key as Node, `unknown coreos.units key "${key}"`);
  }
  return unit;
}
