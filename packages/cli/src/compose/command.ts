/** `flotilla compose convert|build|up|ps|logs|down`: compose files on the cluster (docs/compose.md). */
import type { Command } from 'commander';
import type { AnyVerb } from '../commands/verb.js';
import { addComposeOptions } from './options.js';
import { composeBuild } from './build-verb.js';
import { composeConvert } from './convert-verb.js';
import { composeDown } from './down-verb.js';
import { composeLogs } from './logs-verb.js';
import { composePs } from './ps-verb.js';
import { composeUp } from './up-verb.js';

export interface VerbGroup {
  name: string;
  summary: string;
  verbs: readonly AnyVerb[];
  /** Options the group itself takes (before the subcommand), merged under the subcommand's own. */
  configure?(cmd: Command): void;
}

export const composeCommands: VerbGroup = {
  name: 'compose',
  summary: 'Run compose files on the cluster as container units',
  verbs: [composeConvert, composeBuild, composeUp, composePs, composeLogs, composeDown],
  configure: (cmd) => void addComposeOptions(cmd),
};
