/**
 * Unit files on disk, found the way fleetctl finds them: the argument itself (with `.service` appended when it
 * has no unit suffix), or for an instance `p@i.t`, the template `p@.t` in the same directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseUnitFile, type UnitOption } from '@flotilla/core';

export interface LocalUnit {
  /** The path as the user wrote it (messages name it). */
  file: string;
  options: UnitOption[];
}

/** `foo` → `foo.service`, `dir/foo.timer` unchanged: the file path fleetctl stats for an argument. */
export function unitFilePath(arg: string, mangledName: string): string {
  return path.basename(arg) === mangledName ? arg : `${arg}.service`;
}

export function templateFilePath(unitFile: string, templateName: string): string {
  return path.join(path.dirname(unitFile), templateName);
}

/** Reads and parses a unit file; undefined when it does not exist. Syntax errors name `file:line`. Read
 * synchronously: a unit file is small and the CLI has nothing else to do meanwhile, and a promise read costs
 * four trips through libuv's thread pool (open, stat, read, close): 300 files took ~60 ms of a start's CPU. */
export async function readLocalUnit(cwd: string, file: string): Promise<LocalUnit | undefined> {
  let text: string;
  try {
    text = fs.readFileSync(path.resolve(cwd, file), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return { file, options: parseUnitFile(text, file) };
}
