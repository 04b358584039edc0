/**
 * Butane (variant fcos, version 1.4.0) → Ignition 3.3.0 for the subset Flotilla's node configs use:
 * storage.files (path, mode, overwrite, contents.inline) and systemd.units (name, enabled, contents).
 * Anything else is refused with file:line, rather than silently dropped (docs/cloud-config.md), at every level.
 * Parsed as YAML 1.1, as Butane does, so `mode: 0644` is octal. Pure.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { aliasAware, checkConfigSize, CloudConfigError, UNIT_NAME, yamlSyntaxError } from './parse-cloud-config.js';
import { dataUrl, type IgnitionConfig } from './serialize.js';

export function butaneToIgnition(text: string, file = 'config.bu'): IgnitionConfig {
  checkConfigSize(text, file);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, version: '1.1' });
  const fail = (node: unknown, message: string): never => {
    const range = (node as Node | undefined)?.range;
    throw new CloudConfigError(file, range ? lines.linePos(range[0]).line : 1, aliasAware(node, message));
  };
  if (doc.errors.length > 0) throw yamlSyntaxError(file, doc.errors[0]!);
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'a Butane config is a mapping');
  const variant = scalar(root, 'variant', fail);
  const version = scalar(root, 'version', fail);
  if (variant !== 'fcos' || version !== '1.4.0') fail(root.get('variant', true), `only variant fcos version 1.4.0 is supported, got ${variant} ${version}`);
  const out: IgnitionConfig = { ignition: { version: '3.3.0' }, storage: { files: [] }, systemd: { units: [] } };
  for (const pair of root.items) {
    const key = keyText(pair.key);
    if (key === 'storage') out.storage.files = files(pair.value, fail);
    else if (key === 'systemd') out.systemd.units = units(pair.value, fail);
    else if (key !== 'variant' && key !== 'version') fail(pair.key, `"${key}" is not supported by Flotilla's Butane subset`);
  }
  return out;
}

type Fail = (node: unknown, message: string) => never;

/** A key as written: YAML 1.1's merge key `<<` has a Symbol for its value. */
function keyText(key: unknown): string {
  return isScalar(key) ? String(key.source ?? key.value) : '';
}

/** A string field. Butane's fields are Go strings: `null`, `123` or (YAML 1.1) a date are not names or paths. */
function scalar(map: YAMLMap, key: string, fail: Fail): string {
  const node = map.get(key, true);
  if (node === undefined) return fail(map, `"${key}" is required`);
  if (!isScalar(node) || typeof node.value !== 'string') return fail(node, `"${key}" must be a string`);
  return node.value;
}

/** Refuses every key of `map` outside `known`, naming it as `where.<key>`: Butane keys we would drop. */
function onlyKeys(map: YAMLMap, known: readonly string[], where: string, fail: Fail): void {
  for (const pair of map.items) {
    const key = keyText(pair.key);
    if (!known.includes(key)) fail(pair.key, `${where}.${key} is not supported`);
  }
}

function mapItems(node: unknown, what: string, fail: Fail): YAMLMap[] {
  if (!isSeq(node)) return fail(node, `${what} must be a list`);
  return node.items.map((item) => (isMap(item) ? item : fail(item, `each ${what} entry must be a mapping`)));
}

function files(node: unknown, fail: Fail): IgnitionConfig['storage']['files'] {
  if (!isMap(node)) return fail(node, 'storage must be a mapping');
  const list = node.get('files', true);
  onlyKeys(node, ['files'], 'storage', fail);
  return mapItems(list, 'storage.files', fail).map((f) => {
    onlyKeys(f, ['path', 'mode', 'overwrite', 'contents'], 'storage.files[]', fail);
    const path = scalar(f, 'path', fail);
    if (!path.startsWith('/')) fail(f.get('path', true), `path "${path}" must be absolute`);
    const contents = f.get('contents', true);
    const inline = isMap(contents) ? contents.get('inline', true) : undefined;
    if (contents !== undefined && !isScalar(inline)) fail(contents, 'only contents.inline is supported');
    if (isMap(contents)) onlyKeys(contents, ['inline'], 'storage.files[].contents', fail);
    if (isScalar(inline) && typeof inline.value !== 'string') fail(inline, 'contents.inline must be a string');
    // A YAML integer only: Number() read the string "0644" as decimal 644 (mode 01204).
    const modeNode = f.get('mode', true);
    const mode = modeNode === undefined ? 0o644 : isScalar(modeNode) && typeof modeNode.value === 'number' ? modeNode.value : NaN;
    if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) fail(modeNode, 'mode must be an octal number like 0644');
    const overwrite = f.get('overwrite', true);
    if (overwrite !== undefined && !(isScalar(overwrite) && typeof overwrite.value === 'boolean')) fail(overwrite, 'overwrite must be true or false');
    const text = isScalar(inline) ? (inline.value as string) : '';
    return { path, mode, overwrite: isScalar(overwrite) ? (overwrite.value as boolean) : true, contents: { source: dataUrl(text) } };
  });
}

function units(node: unknown, fail: Fail): IgnitionConfig['systemd']['units'] {
  if (!isMap(node)) return fail(node, 'systemd must be a mapping');
  onlyKeys(node, ['units'], 'systemd', fail);
  return mapItems(node.get('units', true), 'systemd.units', fail).map((u) => {
    onlyKeys(u, ['name', 'enabled', 'contents'], 'systemd.units[]', fail);
    const enabled = u.get('enabled', true);
    if (enabled !== undefined && !(isScalar(enabled) && typeof enabled.value === 'boolean')) fail(enabled, 'enabled must be true or false');
    const name = scalar(u, 'name', fail);
    // The same rule as cloud-config's coreos.units: the name becomes a path under /etc/systemd/system.
    if (!UNIT_NAME.test(name)) fail(u.get('name', true), `"${name}" is not a valid unit name`);
    return { name, enabled: isScalar(enabled) ? Boolean(enabled.value) : false, contents: u.has('contents') ? scalar(u, 'contents', fail) : '' };
  });
}
