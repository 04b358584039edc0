/**
 * Fuzzing the node-config readers (packages/cli/src/cloud-config: parseCloudConfig, behind `flotilla cloud-init
 * FILE`, and butaneToIgnition, behind `flotilla butane FILE`): generated and mutated YAML, and the judge of one
 * read. A read passes when it returns a well-typed result or throws CloudConfigError naming the file and a line
 * of the input, with a message that explains itself; anything else (another exception, a message from V8's or
 * the yaml library's insides, a result with a wrong type in it, a slow read) is a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { butaneToIgnition } from '../../packages/cli/src/cloud-config/parse-butane.js';
import { CloudConfigError, parseCloudConfig, UNIT_NAME } from '../../packages/cli/src/cloud-config/parse-cloud-config.js';

export type ConfigKind = 'cloud-config' | 'butane';

/** Pieces that stress YAML and the readers: anchors, aliases, merge keys, tags, flow and block syntax, odd scalars. */
export const YAML_FRAGMENTS: readonly string[] = [
  '&a ', '*a', '<<: *a\n', '<<: {path: /x}\n', '!!binary ', '!!str ', '!!int ', '!!map ', '!foo ', '? ', '{', '}', '[', ']',
  '|\n', '>-\n', '---\n', '...\n', '%YAML 1.1\n', '\t', '\u0000', '\ufeff', ': ', '- ', '#', '"', "'", '\\', 'null', '~',
  'true', 'yes', '0644', '0o644', '0x1ff', '1e3', '"0644"', '2001-01-01', '.inf', '-', '\n', '  ', 'é', '\u{1F600}',
  '$private_ipv4', '/etc/../x', '../x.service', 'x'.repeat(300), 'unknown_key: 1\n', 'passwd: {}\n', 'overwrite: false\n',
  'command: start\n', 'enable: true\n', 'runtime: "yes"\n', 'permissions: 0755\n', 'mode: 0755\n', 'encoding: b64\n',
];

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** The shipped configs plus small ones using every supported key. */
export function seedConfigs(kind: ConfigKind): string[] {
  const ext = kind === 'cloud-config' ? '.yaml' : '.bu';
  const dir = path.join(root, 'cloud-config');
  const shipped = fs.readdirSync(dir).filter((f) => f.endsWith(ext)).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  const small =
    kind === 'cloud-config'
      ? '#cloud-config\nhostname: n1\nssh_authorized_keys:\n  - ssh-ed25519 AAAA k\nwrite_files:\n  - path: /etc/a\n    permissions: "0600"\n    owner: root\n    content: |\n      ip=$private_ipv4\ncoreos:\n  etcd2: {}\n  units:\n    - name: a.service\n      runtime: true\n      enable: true\n      command: start\n      content: "[Service]\\nExecStart=/bin/true\\n"\n'
      : 'variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n    - path: /etc/a\n      mode: 0600\n      overwrite: true\n      contents:\n        inline: a\nsystemd:\n  units:\n    - name: a.service\n      enabled: true\n      contents: |\n        [Service]\n        ExecStart=/bin/true\n';
  return [...shipped, small];
}

/** One text edit: insert a fragment, delete a range, duplicate or re-indent a line, truncate. */
const edit = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), piece: fc.oneof(fc.constantFrom(...YAML_FRAGMENTS), fc.string({ maxLength: 6 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.nat({ max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(text: string, e: Edit): string {
  const at = text.length === 0 ? 0 : e.at % (text.length + 1);
  switch (e.kind) {
    case 'insert':
      return text.slice(0, at) + e.piece + text.slice(at);
    case 'delete':
      return text.slice(0, at) + text.slice(at + e.length);
    case 'truncate':
      return text.slice(0, at);
    default: {
      const lines = text.split('\n');
      const i = e.at % lines.length;
      const line = lines[i] as string;
      if (e.kind === 'duplicate-line') lines.splice(i, 0, line);
      else lines[i] = e.by >= 0 ? ' '.repeat(e.by) + line : line.replace(new RegExp(`^ {0,${-e.by}}`), '');
      return lines.join('\n');
    }
  }
}

/** Values of every YAML type for fields that want one. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(null, true, false, 0, -1, 0o644, 1e308, '', '0644', '0o644', '/etc/x', 'a.service', [], {}),
  fc.string({ maxLength: 12 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, anyValue);

/** Documents of the right shape with wrong types, unknown keys and extreme values, as YAML. */
function shapedDocument(kind: ConfigKind): fc.Arbitrary<string> {
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), anyValue, { maxKeys: 2 });
  if (kind === 'cloud-config') {
    const file = fc.record({ path: maybe(fc.constantFrom('/etc/a', 'etc/a', '/a/../b', '')), permissions: maybe(fc.constantFrom('0644', '644', '0o644', '999')), content: maybe(fc.string()), owner: maybe(fc.constant('root')) }, { requiredKeys: [] });
    const unit = fc.record({ name: maybe(fc.constantFrom('a.service', 'a@1.service', '../a.service', 'a')), content: maybe(fc.string()), enable: maybe(fc.boolean()), runtime: maybe(fc.boolean()), command: maybe(fc.constantFrom('start', 'explode')) }, { requiredKeys: [] });
    const doc = fc.tuple(fc.record({ hostname: maybe(fc.constantFrom('n1', 'bad_name', 'x'.repeat(70))), write_files: maybe(fc.array(maybe(file), { maxLength: 3 })), ssh_authorized_keys: maybe(fc.array(anyValue, { maxLength: 2 })), coreos: maybe(fc.record({ units: maybe(fc.array(maybe(unit), { maxLength: 3 })), fleet: anyValue }, { requiredKeys: [] })) }, { requiredKeys: [] }), extra);
    return doc.map(([d, more]) => `#cloud-config\n${stringify({ ...d, ...more })}`);
  }
  const file = fc.record({ path: maybe(fc.constantFrom('/etc/a', 'etc/a')), mode: maybe(fc.constantFrom(0o644, 0o7777, 0o10000, -1)), overwrite: maybe(fc.boolean()), contents: maybe(fc.record({ inline: maybe(fc.string()), source: anyValue }, { requiredKeys: [] })) }, { requiredKeys: [] });
  const unit = fc.record({ name: maybe(fc.constantFrom('a.service', '../a', 'a')), enabled: maybe(fc.boolean()), contents: maybe(fc.string()), dropins: anyValue }, { requiredKeys: [] });
  const doc = fc.tuple(fc.record({ variant: maybe(fc.constant('fcos')), version: maybe(fc.constant('1.4.0')), storage: maybe(fc.record({ files: maybe(fc.array(maybe(file), { maxLength: 3 })), directories: anyValue }, { requiredKeys: [] })), systemd: maybe(fc.record({ units: maybe(fc.array(maybe(unit), { maxLength: 3 })) }, { requiredKeys: [] })) }, { requiredKeys: ['variant', 'version'] }), extra);
  return doc.map(([d, more]) => stringify({ ...d, ...more }));
}

/** The classic billion laughs: `levels` anchors, each a list of `width` aliases of the one before. */
export function aliasBomb(kind: ConfigKind, levels: number, width: number): string {
  const lines = ['a0: &a0 "lol"'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]`);
  const key = kind === 'cloud-config' ? 'write_files' : 'storage';
  const head = kind === 'cloud-config' ? '#cloud-config\n' : 'variant: fcos\nversion: 1.4.0\n';
  return `${head}${lines.join('\n')}\n${key}: *a${levels}\n`;
}

export function deepNesting(kind: ConfigKind, depth: number, flow: boolean): string {
  const head = kind === 'cloud-config' ? '#cloud-config\nwrite_files: ' : 'variant: fcos\nversion: 1.4.0\nstorage: ';
  if (flow) return `${head}${'['.repeat(depth)}${']'.repeat(depth)}\n`;
  return `${head}\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(i + 1)}- `).join('\n')}x\n`;
}

/** Many entries, or one long value: from small to past the readers' 1 MiB limit. */
function hugeDocument(kind: ConfigKind): fc.Arbitrary<string> {
  return fc.tuple(fc.nat({ max: 40_000 }), fc.nat({ max: 2_000_000 }), fc.boolean()).map(([entries, length, many]) => {
    if (kind === 'cloud-config') {
      const body = many ? Array.from({ length: entries }, (_, i) => `  - path: /etc/f${i}\n    content: x\n`).join('') : `  - path: /etc/big\n    content: "${'x'.repeat(length)}"\n`;
      return `#cloud-config\nwrite_files:\n${body}`;
    }
    const body = many ? Array.from({ length: entries }, (_, i) => `    - path: /etc/f${i}\n`).join('') : `    - path: /etc/big\n      contents:\n        inline: "${'x'.repeat(length)}"\n`;
    return `variant: fcos\nversion: 1.4.0\nstorage:\n  files:\n${body}`;
  });
}

/** Every kind of input, weighted towards mutated seeds (which get furthest into the readers). */
export function configText(kind: ConfigKind, opts: { huge?: boolean } = {}): fc.Arbitrary<string> {
  const seeds = seedConfigs(kind);
  const mutated = fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 5 })).map(([seed, edits]) => edits.reduce(applyEdit, seed));
  const arbitraries: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: mutated },
    { weight: 3, arbitrary: shapedDocument(kind) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }).map((t) => (kind === 'cloud-config' ? `#cloud-config\n${t}` : t)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 2, max: 10 })).map(([l, w]) => aliasBomb(kind, l, w)) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.boolean()).map(([d, flow]) => deepNesting(kind, d, flow)) },
  ];
  if (opts.huge) arbitraries.push({ weight: 1, arbitrary: hugeDocument(kind) });
  return fc.oneof(...arbitraries);
}

/** Messages from the insides of V8 or of the yaml library, which tell a user nothing about their file. */
const UNEXPLAINED = /Maximum call stack|\[object Object\]|undefined|NaN|Symbol\(|YAML\.parse|please use/;

export interface ConfigReadOutcome {
  accepted: boolean;
  ms: number;
  problems: string[];
}

/** Reads `text` with the reader of `kind` as file `f`, and judges the outcome. */
export function judgeConfigRead(kind: ConfigKind, text: string): ConfigReadOutcome {
  const started = performance.now();
  let result: unknown;
  let error: unknown;
  try {
    result = kind === 'cloud-config' ? parseCloudConfig(text, 'f') : butaneToIgnition(text, 'f');
  } catch (err) {
    error = err;
  }
  const ms = performance.now() - started;
  const problems = error === undefined ? resultProblems(kind, result) : errorProblems(error, text);
  return { accepted: error === undefined, ms, problems };
}

function errorProblems(error: unknown, text: string): string[] {
  if (!(error instanceof CloudConfigError) || error.code !== 'CLOUD_CONFIG_INVALID') return [`not a CloudConfigError: ${String(error)}`];
  const match = /^f:(\d+): (.+)/s.exec(error.message);
  const lines = text.split('\n').length;
  if (!match) return [`message does not name file and line: ${error.message.slice(0, 200)}`];
  const problems: string[] = [];
  if (Number(match[1]) < 1 || Number(match[1]) > lines) problems.push(`line ${match[1]} outside the input's ${lines} lines: ${error.message.slice(0, 200)}`);
  const unexplained = UNEXPLAINED.exec(match[2] as string)?.[0];
  if (unexplained !== undefined && !text.includes(unexplained)) problems.push(`unexplained message: ${error.message.slice(0, 200)}`);
  return problems;
}

const isMode = (m: unknown) => Number.isInteger(m) && (m as number) >= 0 && (m as number) <= 0o7777;

function resultProblems(kind: ConfigKind, result: unknown): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => void (ok || problems.push(`accepted with ${what}: ${JSON.stringify(result).slice(0, 200)}`));
  if (kind === 'cloud-config') {
    const c = result as ReturnType<typeof parseCloudConfig>;
    check(c.hostname === undefined || typeof c.hostname === 'string', 'a hostname that is not a string');
    for (const f of c.files) {
      check(typeof f.path === 'string' && f.path.startsWith('/') && !f.path.split('/').includes('..'), `path ${JSON.stringify(f.path)}`);
      check(typeof f.content === 'string' && isMode(f.mode), `file ${JSON.stringify(f)}`);
    }
    for (const u of c.units) check(UNIT_NAME.test(u.name) && typeof u.enable === 'boolean' && typeof u.runtime === 'boolean' && (u.content === undefined || typeof u.content === 'string'), `unit ${JSON.stringify(u)}`);
    for (const k of c.sshAuthorizedKeys) check(typeof k === 'string', 'a key that is not a string');
    for (const w of c.warnings) check(/^f:\d+: /.test(w) && !UNEXPLAINED.test(w), `warning ${JSON.stringify(w)}`);
    return problems;
  }
  const ign = result as ReturnType<typeof butaneToIgnition>;
  for (const f of ign.storage.files) {
    check(typeof f.path === 'string' && f.path.startsWith('/') && isMode(f.mode) && typeof f.overwrite === 'boolean', `file ${JSON.stringify(f)}`);
    check(typeof f.contents.source === 'string' && f.contents.source.startsWith('data:,'), `contents ${JSON.stringify(f.contents)}`);
  }
  for (const u of ign.systemd.units) check(UNIT_NAME.test(u.name) && typeof u.enabled === 'boolean' && typeof u.contents === 'string', `unit ${JSON.stringify(u)}`);
  return problems;
}
