/**
 * Where each file of a tar archive is, without unpacking it: `docker save` archives hold a manifest, a config
 * and layer tarballs, which `image push` reads at their offsets. Pure over a `read(offset, length)` function.
 * Reads POSIX ustar headers with GNU long names (`L`) and pax `path`/`linkpath` records (`x`); symbolic and hard
 * links are kept as links (docker save links identical layers).
 */
export interface TarEntry {
  name: string;
  /** Offset of the file's data. */
  offset: number;
  size: number;
  /** `file`, or a link to `linkTarget` (a path inside the archive, relative to this entry's directory for symlinks). */
  type: 'file' | 'symlink' | 'hardlink' | 'other';
  linkTarget?: string;
}

export class TarFormatError extends Error {}

const BLOCK = 512;

function cString(buf: Buffer, start: number, length: number): string {
  const field = buf.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? field.length : end).toString('utf8');
}

function octal(buf: Buffer, start: number, length: number, where: number): number {
  // GNU base-256 for sizes over 8 GiB: the high bit of the first byte set.
  if ((buf[start]! & 0x80) !== 0) {
    let n = 0;
    for (let i = start + 1; i < start + length; i++) n = n * 256 + buf[i]!;
    return n;
  }
  const text = cString(buf, start, length).trim();
  if (!/^[0-7]*$/.test(text)) throw new TarFormatError(`tar header at byte ${where}: size "${text}" is not octal`);
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  const stored = cString(header, 148, 8).trim();
  return stored !== '' && parseInt(stored, 8) === sum;
}

/** pax extended header records: `LEN key=value\n`. */
export function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(data.subarray(at, space).toString());
    if (!Number.isInteger(len) || len <= 0) throw new TarFormatError('bad pax record length');
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}

/** Every entry of the archive, in order. `size` is the archive's length in bytes. */
export function indexTar(read: (offset: number, length: number) => Buffer, size: number): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  while (at + BLOCK <= size) {
    const header = read(at, BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) throw new TarFormatError(`tar header at byte ${at}: bad checksum (not a tar archive, or a damaged one)`);
    const type = String.fromCharCode(header[156]!);
    const dataSize = octal(header, 124, 12, at);
    const data = at + BLOCK;
    if (data + dataSize > size) throw new TarFormatError(`tar entry at byte ${at}: ${dataSize} bytes of data past the end of the archive`);
    const next = data + Math.ceil(dataSize / BLOCK) * BLOCK;
    if (type === 'L' || type === 'K') {
      const text = read(data, dataSize).toString('utf8').replace(/\0+$/, '');
      if (type === 'L') longName = text;
      else longLink = text;
    } else if (type === 'x') {
      pax = parsePax(read(data, dataSize));
    } else if (type !== 'g') {
      const magic = cString(header, 257, 6);
      const prefix = magic.startsWith('ustar') ? cString(header, 345, 155) : '';
      const plain = cString(header, 0, 100);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${plain}` : plain);
      const link = pax.linkpath ?? longLink ?? cString(header, 157, 100);
      const kind: TarEntry['type'] = type === '0' || type === '\0' || type === '7' ? 'file' : type === '2' ? 'symlink' : type === '1' ? 'hardlink' : 'other';
      entries.push({ name: name.replace(/^\.\//, ''), offset: data, size: kind === 'file' ? dataSize : 0, type: kind, ...(kind === 'symlink' || kind === 'hardlink' ? { linkTarget: link } : {}) });
      longName = longLink = undefined;
      pax = {};
    }
    at = next;
  }
  return entries;
}

/** The file an entry name leads to, following links (at most 16); undefined when there is none. */
export function resolveEntry(entries: readonly TarEntry[], name: string): TarEntry | undefined {
  const byName = new Map(entries.map((e) => [e.name.replace(/\/$/, ''), e]));
  let current = normalize(name);
  for (let hops = 0; hops < 16; hops++) {
    const entry = byName.get(current);
    if (!entry || entry.type === 'file') return entry;
    if (entry.type === 'other' || entry.linkTarget === undefined) return undefined;
    const dir = current.includes('/') ? current.slice(0, current.lastIndexOf('/')) : '';
    current = normalize(entry.type === 'symlink' && !entry.linkTarget.startsWith('/') && dir ? `${dir}/${entry.linkTarget}` : entry.linkTarget);
  }
  return undefined;
}

function normalize(p: string): string {
  const out: string[] = [];
  for (const part of p.replace(/^\/+/, '').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}
