/**
 * The project `ps`, `logs` and `down` act on: `-p`, else the one the compose file names (its `name:` or its
 * directory), read without converting it, so a file the CLI could no longer convert can still be taken down.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normaliseProjectName } from '@flotilla/compose';
import { parse } from 'yaml';
import type { CommandContext } from '../commands/verb.js';
import { locateComposeFile, type ComposeOptions } from './compose-file.js';

export function projectName(ctx: Pick<CommandContext, 'cwd'>, opts: ComposeOptions): string {
  if (opts.project !== undefined) return normaliseProjectName(opts.project);
  const file = locateComposeFile(ctx.cwd, opts.file);
  let declared: unknown;
  try {
    declared = (parse(fs.readFileSync(file, 'utf8')) as { name?: unknown } | null)?.name;
  } catch {
    declared = undefined;
  }
  return normaliseProjectName(typeof declared === 'string' ? declared : path.basename(path.dirname(file)));
}
