/**
 * Where the prepare step keeps each unit's pull record between runs: `<dir>/<unit>.pull.json` under /run (a
 * reboot forgets it, as it forgets the units). Written atomically; a missing or unreadable file means "no
 * attempts yet". The file is also what an operator (or the agent's state) reads for the last pull error.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { PullRecord } from './pull-backoff.js';

export const DEFAULT_CONTAINER_STATE_DIR = '/run/flotilla/containers';

export class PullStore {
  constructor(readonly dir: string = DEFAULT_CONTAINER_STATE_DIR) {}

  fileOf(unit: string): string {
    if (unit.includes('/') || unit.startsWith('.')) throw new Error(`not a unit name: ${JSON.stringify(unit)}`);
    return path.join(this.dir, `${unit}.pull.json`);
  }

  async read(unit: string): Promise<PullRecord | undefined> {
    try {
      const value = JSON.parse(await fs.readFile(this.fileOf(unit), 'utf8')) as PullRecord;
      return typeof value.image === 'string' && typeof value.failures === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  async write(unit: string, record: PullRecord): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o755 });
    const temp = path.join(this.dir, `.${unit}.${randomBytes(4).toString('hex')}.tmp`);
    await fs.writeFile(temp, `${JSON.stringify(record)}\n`);
    await fs.rename(temp, this.fileOf(unit));
  }
}
