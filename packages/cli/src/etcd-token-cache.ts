/**
 * The CLI's etcd auth token cache (docs/fleetctl-compat.md, "TLS and auth"). Authenticating costs a round trip
 * plus a bcrypt comparison on etcd (~70 ms of each command on a test cluster), so the token etcd issues is kept in
 * `$XDG_CACHE_HOME/flotilla/etcd-tokens` (else `~/.cache/...`: global-options.ts) and reused by later commands until etcd rejects it
 * (the transport then authenticates once more and saves the new one: core's registry/http-transport.ts).
 *
 * One entry per endpoints + user + password, filed under an HMAC of them keyed by the file's random salt: no
 * password in the file, and a wrong or changed password never picks up another password's token. The directory is
 * 0700 and the file 0600, written whole (temporary file, then rename); a file that is someone else's or readable
 * by others is ignored, as are unreadable or malformed ones. Nothing here ever fails a command.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EtcdTokenCache } from '@flotilla/core';

const FILE_VERSION = 1;
/** Entries kept, newest first: one per cluster and user a person works with. */
const MAX_ENTRIES = 16;
/** etcd's simple tokens live 5 minutes from their last use by default; a day-old one is not worth a round trip. */
const MAX_AGE_MS = 24 * 3600_000;

interface Entry {
  token: string;
  savedAt: number;
}

export interface TokenCacheFile {
  version: typeof FILE_VERSION;
  salt: string;
  entries: Record<string, Entry>;
}

/** The file's content, or undefined when it is not a cache file of this version. */
export function parseTokenCache(text: string): TokenCacheFile | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const file = json as Partial<TokenCacheFile> | null;
  if (file?.version !== FILE_VERSION || typeof file.salt !== 'string' || typeof file.entries !== 'object' || file.entries === null) return undefined;
  const entries: Record<string, Entry> = {};
  for (const [id, e] of Object.entries(file.entries)) {
    if (typeof e?.token === 'string' && e.token !== '' && typeof e.savedAt === 'number') entries[id] = { token: e.token, savedAt: e.savedAt };
  }
  return { version: FILE_VERSION, salt: file.salt, entries };
}

/** Where one set of credentials is filed: endpoints in any order name the same cluster. */
export function entryId(salt: string, endpoints: readonly string[], auth: { username: string; password: string }): string {
  const identity = JSON.stringify([[...new Set(endpoints)].sort(), auth.username, auth.password]);
  return crypto.createHmac('sha256', salt).update(identity).digest('hex');
}

/** Drops entries older than MAX_AGE_MS and all but the MAX_ENTRIES newest. */
export function pruneEntries(entries: Record<string, Entry>, now: number): Record<string, Entry> {
  const kept = Object.entries(entries)
    .filter(([, e]) => now - e.savedAt < MAX_AGE_MS && e.savedAt <= now)
    .sort((a, b) => b[1].savedAt - a[1].savedAt)
    .slice(0, MAX_ENTRIES);
  return Object.fromEntries(kept);
}

/** The cache file, only if it is this user's and private. */
function readPrivate(file: string): TokenCacheFile | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile() || (st.mode & 0o077) !== 0 || (process.getuid !== undefined && st.uid !== process.getuid())) return undefined;
    return parseTokenCache(fs.readFileSync(fd, 'utf8'));
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

function writePrivate(file: string, text: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((fs.statSync(dir).mode & 0o077) !== 0) fs.chmodSync(dir, 0o700);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The cache for one set of credentials, kept in `file`. */
export function openTokenCache(file: string, endpoints: readonly string[], auth: { username: string; password: string }, now: () => number = Date.now): EtcdTokenCache {
  return {
    load() {
      const data = readPrivate(file);
      if (!data) return undefined;
      const entry = data.entries[entryId(data.salt, endpoints, auth)];
      return entry && now() - entry.savedAt < MAX_AGE_MS ? entry.token : undefined;
    },
    save(token) {
      try {
        const data = readPrivate(file) ?? { version: FILE_VERSION, salt: crypto.randomBytes(16).toString('base64'), entries: {} };
        const entries = pruneEntries({ ...data.entries, [entryId(data.salt, endpoints, auth)]: { token, savedAt: now() } }, now());
        writePrivate(file, `${JSON.stringify({ ...data, entries })}\n`);
      } catch {
        // A read-only or full home: the next command authenticates again, as without a cache.
      }
    },
  };
}
