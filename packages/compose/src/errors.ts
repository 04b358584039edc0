/**
 * The compose converter's errors, in core's style (core/src/errors.ts): a stable code, a hint, and every problem
 * found in the file, each as `FILE:LINE: service S: …`, so one run shows them all.
 */
import { FlotillaError } from '@flotilla/core';

export type ComposeProblemKind = 'unsupported' | 'invalid' | 'warning';

/** One finding about the compose file, located at the line of the key or value it concerns. */
export interface ComposeProblem {
  kind: ComposeProblemKind;
  file: string;
  line: number;
  service?: string;
  message: string;
}

export function formatProblem(p: ComposeProblem): string {
  return `${p.file}:${p.line}: ${p.service === undefined ? '' : `service ${p.service}: `}${p.message}`;
}

/** A key or value Flotilla does not convert (`COMPOSE_UNSUPPORTED`); `--ignore-unsupported` makes these warnings. */
export class ComposeUnsupportedError extends FlotillaError {
  readonly problems: readonly ComposeProblem[];

  constructor(problems: readonly ComposeProblem[]) {
    super('COMPOSE_UNSUPPORTED', problems.map(formatProblem).join('\n'), {
      hint: 'remove the key, or pass --ignore-unsupported to convert without it (docs/compose.md lists the supported keys)',
    });
    this.problems = problems;
  }
}

/** A compose file that is not valid YAML or breaks the Compose Specification's types (`COMPOSE_INVALID`). */
export class ComposeInvalidError extends FlotillaError {
  readonly problems: readonly ComposeProblem[];

  constructor(problems: readonly ComposeProblem[]) {
    super('COMPOSE_INVALID', problems.map(formatProblem).join('\n'), {
      hint: 'fix the file at the lines named (docs/compose.md)',
    });
    this.problems = problems;
  }
}
