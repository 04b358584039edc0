/**
 * A `docker save` archive on disk (also `podman save --format docker-archive`): its images and their files, read in
 * place at their offsets (tar-index.ts), never unpacked.
 */
import fs from 'node:fs';
import { Readable } from 'node:stream';
import { ImageError } from './errors.js';
import { parseArchiveManifest, type ArchiveImage } from './manifest.js';
import { indexTar, resolveEntry, TarFormatError, type TarEntry } from './tar-index.js';

/** manifest.json and configs are small; anything larger is not what `docker save` writes. */
const MAX_SMALL_FILE = 16 * 1024 * 1024;

export class DockerArchive {
  private constructor(
    readonly file: string,
    private readonly fd: number,
    private readonly entries: TarEntry[],
    readonly images: ArchiveImage[],
  ) {}

  static open(file: string): DockerArchive {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch (err) {
      throw new ImageError('IMAGE_ARCHIVE_INVALID', `${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const size = fs.fstatSync(fd).size;
      const read = (offset: number, length: number) => {
        const buf = Buffer.alloc(length);
        const got = fs.readSync(fd, buf, 0, length, offset);
        return got === length ? buf : buf.subarray(0, got);
      };
      let entries: TarEntry[];
      try {
        entries = indexTar(read, size);
      } catch (err) {
        if (err instanceof TarFormatError) throw new ImageError('IMAGE_ARCHIVE_INVALID', `${file}: ${err.message}`, { cause: err });
        throw err;
      }
      const manifest = resolveEntry(entries, 'manifest.json');
      if (!manifest) throw new ImageError('IMAGE_ARCHIVE_INVALID', `${file}: no manifest.json (not a \`docker save\` archive)`);
      const archive = new DockerArchive(file, fd, entries, []);
      const images = parseArchiveManifest(archive.readEntry(manifest).toString('utf8'), file);
      return new DockerArchive(file, fd, entries, images);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  /** The entry a path of manifest.json names; a missing one is the archive's fault. */
  entry(name: string): TarEntry {
    const entry = resolveEntry(this.entries, name);
    if (!entry) throw new ImageError('IMAGE_ARCHIVE_INVALID', `${this.file}: manifest.json names "${name}", which the archive does not hold`);
    return entry;
  }

  /** A small file (manifest, config) whole. */
  readEntry(entry: TarEntry): Buffer {
    if (entry.size > MAX_SMALL_FILE) throw new ImageError('IMAGE_ARCHIVE_INVALID', `${this.file}: ${entry.name} is ${entry.size} bytes, too large for a config`);
    const buf = Buffer.alloc(entry.size);
    fs.readSync(this.fd, buf, 0, entry.size, entry.offset);
    return buf;
  }

  /** The first bytes of an entry (to tell a gzip layer from a plain tar). */
  head(entry: TarEntry, length: number): Buffer {
    const buf = Buffer.alloc(Math.min(length, entry.size));
    fs.readSync(this.fd, buf, 0, buf.length, entry.offset);
    return buf;
  }

  /** A stream of an entry's bytes (layers, of any size). */
  stream(entry: TarEntry): Readable {
    // An empty range cannot be expressed with start/end: end is inclusive.
    if (entry.size === 0) return Readable.from([]);
    return fs.createReadStream(this.file, { start: entry.offset, end: entry.offset + entry.size - 1 });
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}
