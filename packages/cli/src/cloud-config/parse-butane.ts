/**
 * Butane (variant fcos, version 1.4.0) → Ignition 3.3.0 for the subset Flotilla's node configs use:
 * storage.files (path, mode, overwrite, contents.inline) and systemd.units (name, enabled, contents).
 * Anything else is refused with file:line, rather than silently dropped. Parsed as YAML 1.1, as Butane does,
 * so `mode: 0644` is octal. Pure.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { CloudConfigError } from './parse-cloud-config.js';
import { dataUrl, type IgnitionConfig } from './serialize.js';

export function butaneToIgnition(text: string, file = 'config.bu'): IgnitionConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, version: '1.1' });
  const fail = (node: unknown, message: string): never => {
    const range = (node as Node | undefined)?.range;
    throw new CloudConfigError(file, range ? lines.linePos(range[0]).line : 1, message);
  };
  if (doc.errors.length > 0) fail(undefined, doc.errors[0]!.message.split('\n')[0]!);
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'a Butane config is a mapping');
  const variant = scalar(root, 'variant', fail);
  const version = scalar(root, 'version', fail);
  if (variant !== 'fcos' || version !== '1.4.0') fail(root.get('variant', true), `only variant fcos version 1.4.0 is supported, got ${variant} ${version}`);
  const out: IgnitionConfig = { ignition: { version: '3.3.0' }, storage: { files: [] }, systemd: { units: [] } };
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (key === 'storage') out.storage.files = files(pair.value, fail);
    else if (key === 'systemd') out.systemd.units = units(pair.value, fail);
    else if (key !== 'variant' && key !== 'version') fail(pair.key, `"${key}" is not supported by Flotilla's Butane subset`);
  }
  return out;
}

type Fail = (node: unknown, message: string) => never;

function scalar(map: YAMLMap, key: string, fail: Fail): string {
  const node = map.get(key, true);
  if (!isScalar(node)) return fail(node ?? map, `"${key}" is required`);
  return String(node.value);
}

function mapItems(node: unknown, what: string, fail: Fail): YAMLMap[] {
  if (!isSeq(node)) return fail(node, `${what} must be a list`);
  return node.items.map((item) => (isMap(item) ? item : fail(item, `each ${what} entry must be a mapping`)));
}

function files(node: unknown, fail: Fail): IgnitionConfig['storage']['files'] {
  if (!isMap(node)) return fail(node, 'storage must be a mapping');
  const list = node.get('files', true);
  for (const pair of node.items) if (isScalar(pair.key) && pair.key.value !== 'files') fail(pair.key, `storage.${String(pair.key.value)} is not supported`);
  return mapItems(list, 'storage.files', fail).map((f) => {
    const path = scalar(f, 'path', fail);
    if (!path.startsWith('/')) fail(f.get('path', true), `path "${path}" must be absolute`);
    const contents = f.get('contents', true);
    const inline = isMap(contents) ? contents.get('inline', true) : undefined;
    if (contents !== undefined && !isScalar(inline)) fail(contents, 'only contents.inline is supported');
    const modeNode = f.get('mode', true);
    const mode = modeNode === undefined ? 0o644 : Number(isScalar(modeNode) ? modeNode.value : NaN);
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) fail(modeNode, 'mode must be an octal number like 0644');
    return { path, mode, overwrite: true, contents: { source: dataUrl(isScalar(inline) ? String(inline.value) : '') } };
  });
}

function units(node: unknown, fail: Fail): IgnitionConfig['systemd']['units'] {
  if (!isMap(node)) return fail(node, 'systemd must be a mapping');
  return mapItems(node.get('units', true), 'systemd.units', fail).map((u) => {
    const enabled = u.get('enabled', true);
    if (enabled !== undefined && !(isScalar(enabled) && typeof enabled.value === 'boolean')) fail(enabled, 'enabled must be true or false');
    return { name: scalar(u, 'name', fail), enabled: isScalar(enabled) ? Boolean(enabled.value) : false, contents: u.has('contents') ? scalar(u, 'contents', fail) : '' };
  });
}
