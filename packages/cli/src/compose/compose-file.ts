/**
 * The compose file a command works on: `-f FILE`, else the first of docker compose's default names in the
 * working directory; converted with the CLI's environment for `${VAR}` and env files read from disk. A file
 * with `node.hostname` constraints asks the cluster for its machines (other files never touch the network).
 */
import fs from 'node:fs';
import path from 'node:path';
import { convert, formatProblem, readComposeProject, type Conversion } from '@flotilla/compose';
import { FlotillaError } from '@flotilla/core';
import type { CommandContext } from '../commands/verb.js';

export const DEFAULT_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

export interface ComposeOptions {
  file?: string;
  project?: string;
  ignoreUnsupported: boolean;
}

export function composeFileNotFound(cwd: string): FlotillaError {
  return new FlotillaError('COMPOSE_FILE_NOT_FOUND', `no compose file in ${cwd} (looked for ${DEFAULT_FILES.join(', ')})`, {
    hint: 'pass -f FILE',
  });
}

export function locateComposeFile(cwd: string, file: string | undefined): string {
  if (file !== undefined) return path.resolve(cwd, file);
  const found = DEFAULT_FILES.map((f) => path.join(cwd, f)).find((f) => fs.existsSync(f));
  if (!found) throw composeFileNotFound(cwd);
  return found;
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError('COMPOSE_FILE_NOT_FOUND', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { hint: 'pass -f FILE', cause: err });
  }
}

function readOptional(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface LoadedCompose extends Conversion {
  /** `warning: FILE:LINE: …` lines for stderr. */
  warnings: string[];
}

export async function loadCompose(ctx: CommandContext, opts: ComposeOptions, env: NodeJS.ProcessEnv = process.env): Promise<LoadedCompose> {
  const file = locateComposeFile(ctx.cwd, opts.file);
  const text = readText(file);
  // Named as the user would: relative below the working directory, else absolute.
  const relative = path.relative(ctx.cwd, file);
  const shown = relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  // Binds and env files resolve against the file's own directory, whatever name the messages use.
  const base = { file: shown, dir: path.dirname(file), env, readFile: readOptional, ignoreUnsupported: opts.ignoreUnsupported, ...(opts.project === undefined ? {} : { project: opts.project }) };
  const project = readComposeProject(text, base);
  let hostnames = new Map<string, string>();
  if (project.services.some((s) => s.hostname !== undefined)) {
    const machines = await (await ctx.registry()).listMachines();
    hostnames = new Map(machines.map((m) => [m.hostname, m.id]));
  }
  const conversion = convert(text, { ...base, machineIdOf: (h) => hostnames.get(h) });
  return { ...conversion, warnings: conversion.project.warnings.map((w) => `warning: ${formatProblem(w)}`) };
}
