/** The list-valued keys of a service whose entries have a syntax of their own: ports, volumes, env files, constraints. */
import { isRecord } from './findings.js';
import type { PortSpec, ServiceSpec, VolumeSpec } from './model.js';
import type { ServiceContext, ServiceReader } from './read-service.js';
import type { Path } from './source.js';

const SHORT_PORT = /^(?:(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):)?(?:(\d+):)?(\d+)(?:\/(tcp|udp))?$/;

function portNumber(text: string | number | undefined): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** `[IP:][HOST:]CONTAINER[/PROTO]` or the long syntax; without a host port, the container's number is used. */
export function readPorts(r: ServiceReader, value: unknown, at: Path): PortSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    r.invalid(at, 'key ports: expected a list');
    return [];
  }
  const out: PortSpec[] = [];
  value.forEach((item, i) => {
    const p = [...at, i];
    if (isRecord(item)) {
      for (const k of Object.keys(item)) {
        if (!['target', 'published', 'host_ip', 'protocol', 'mode'].includes(k)) r.unsupported([...p, k], `key ports.${k} is not supported`);
      }
      const container = portNumber(item.target as number);
      const host = item.published === undefined ? container : portNumber(item.published as number);
      const protocol = item.protocol ?? 'tcp';
      if (container === undefined || host === undefined || (protocol !== 'tcp' && protocol !== 'udp')) {
        return r.invalid(p, `key ports: ${JSON.stringify(item)} is not a port mapping (ranges are not supported)`);
      }
      const spec: PortSpec = { host, container, protocol };
      if (typeof item.host_ip === 'string') spec.hostIp = item.host_ip;
      return out.push(spec);
    }
    const m = SHORT_PORT.exec(String(item));
    const container = portNumber(m?.[4]);
    const host = m?.[3] === undefined ? container : portNumber(m[3]);
    if (!m || container === undefined || host === undefined) {
      return r.invalid(p, `key ports: ${JSON.stringify(item)} is not a port mapping (ranges are not supported)`);
    }
    const spec: PortSpec = { host, container, protocol: (m[5] ?? 'tcp') as 'tcp' | 'udp' };
    const ip = m[1] ?? m[2];
    if (ip !== undefined) spec.hostIp = ip;
    if (host !== container) r.warn(p, `port ${host}:${container}: other services reach it as ${r.serviceName}:${host} (the machine's port), not :${container}`);
    out.push(spec);
  });
  return out;
}

/** Binds (absolute, or relative to the compose file), named volumes local to the machine, anonymous volumes. */
export function readVolumes(r: ServiceReader, ctx: ServiceContext, value: unknown, at: Path): VolumeSpec[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    r.invalid(at, 'key volumes: expected a list');
    return [];
  }
  const out: VolumeSpec[] = [];
  value.forEach((item, i) => {
    const p = [...at, i];
    let source: string | undefined;
    let target: string | undefined;
    let readOnly = false;
    let type: string | undefined;
    if (isRecord(item)) {
      for (const k of Object.keys(item)) {
        if (!['type', 'source', 'target', 'read_only'].includes(k)) r.unsupported([...p, k], `key volumes.${k} is not supported`);
      }
      ({ type } = item as { type?: string });
      source = typeof item.source === 'string' ? item.source : undefined;
      target = typeof item.target === 'string' ? item.target : undefined;
      readOnly = item.read_only === true;
      if (type !== 'bind' && type !== 'volume') return r.unsupported([...p, 'type'], `key volumes.type: ${String(type)} is not supported (bind, volume)`);
    } else if (typeof item === 'string') {
      const parts = item.split(':');
      if (parts.length === 1) target = parts[0];
      else [source, target] = parts as [string, string];
      const mode = parts[2];
      if (parts.length > 3 || (mode !== undefined && !/^(ro|rw)$/.test(mode))) return r.unsupported(p, `key volumes: ${JSON.stringify(item)}: only SOURCE:TARGET[:ro|rw] is supported`);
      readOnly = mode === 'ro';
    }
    if (target === undefined || !target.startsWith('/')) return r.invalid(p, `key volumes: ${JSON.stringify(item)}: the target must be an absolute path in the container`);
    if (source === undefined) return out.push({ kind: 'anonymous', target, readOnly });
    const isPath = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
    if (type === 'bind' || (type === undefined && isPath)) {
      if (source.startsWith('~')) return r.unsupported(p, `key volumes: ${source}: a home-relative path is not supported (whose home, on which machine?)`);
      if (!source.startsWith('/')) r.warn(p, `bind mount ${source} is ${r.resolvePath(source)} on the machine the unit runs on; it must exist on every machine the service may run on`);
      return out.push({ kind: 'bind', source: r.resolvePath(source), target, readOnly });
    }
    if (!ctx.volumes.has(source)) return r.invalid(p, `key volumes: named volume ${source} is not declared in the top-level volumes`);
    r.warn(p, `named volume ${source} is a local volume on the machine the unit runs on; it does not follow the unit when it moves to another machine`);
    out.push({ kind: 'volume', source: `${ctx.project}_${source}`, target, readOnly });
  });
  return out;
}

/** docker compose's env file syntax: `KEY=VALUE` lines, `#` comments, optional quotes around the value. */
export function parseEnvFile(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const quoted = /^(['"])(.*)\1$/s.exec(value);
    if (quoted) value = quoted[1] === '"' ? quoted[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1') : quoted[2]!;
    else value = value.replace(/\s+#.*$/, '');
    out.push([m[1]!, value]);
  }
  return out;
}

/** env_file entries are read now, on the machine running compose, and their variables written into the unit. */
export function readEnvFiles(r: ServiceReader, ctx: ServiceContext, value: unknown, at: Path): [string, string][] {
  if (value === undefined || value === null) return [];
  const entries = Array.isArray(value) ? value : [value];
  const out: [string, string][] = [];
  entries.forEach((entry, i) => {
    const p = Array.isArray(value) ? [...at, i] : at;
    const file = typeof entry === 'string' ? entry : isRecord(entry) && typeof entry.path === 'string' ? entry.path : undefined;
    const required = !(isRecord(entry) && entry.required === false);
    if (file === undefined) return r.invalid(p, 'key env_file: expected a path or {path, required}');
    const text = ctx.readFile(r.resolvePath(file));
    if (text === undefined) {
      if (required) r.invalid(p, `key env_file: ${file} (${r.resolvePath(file)}) cannot be read`);
      return;
    }
    out.push(...parseEnvFile(text));
  });
  return out;
}

/** `node.labels.K == V` → machine metadata; `node.hostname == H` → that machine. Nothing else has a fleet rule. */
export function readConstraints(r: ServiceReader, deploy: Record<string, unknown>, spec: ServiceSpec): void {
  const placement = isRecord(deploy.placement) ? deploy.placement : {};
  const at: Path = ['services', spec.name, 'deploy', 'placement', 'constraints'];
  const list = r.stringList(placement.constraints, at);
  list.forEach((text, i) => {
    const m = /^\s*(node\.labels\.([^\s=!]+)|node\.hostname|[^\s=!]+)\s*(==|!=)\s*(\S+)\s*$/.exec(text);
    if (m && m[3] === '==' && m[2] !== undefined) return spec.metadata.push([m[2], m[4]!]);
    if (m && m[3] === '==' && m[1] === 'node.hostname') {
      if (spec.hostname !== undefined && spec.hostname !== m[4]) return r.invalid([...at, i], 'two different node.hostname constraints cannot both hold');
      spec.hostname = m[4]!;
      return;
    }
    r.unsupported([...at, i], `constraint ${JSON.stringify(text)} is not supported (node.labels.K == V, node.hostname == H)`);
  });
}
