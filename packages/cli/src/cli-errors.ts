/**
 * The CLI's own failures, as plain FlotillaErrors with stable codes (every error class lives in core/errors.ts;
 * these need no fields of their own). Messages are fleetctl's exact texts where fleetctl has one.
 */
import { FlotillaError, formatTimeSpan } from '@flotilla/core';

export function outputFormatMissing(): FlotillaError {
  return new FlotillaError('CLI_OUTPUT_FORMAT', 'Must define output format', {
    hint: 'pass a comma-separated list to --fields, e.g. --fields unit,machine',
  });
}

export function outputFormatInvalidKey(key: string, known: readonly string[]): FlotillaError {
  return new FlotillaError('CLI_OUTPUT_FORMAT', `Invalid key in output format: ${JSON.stringify(key)}`, {
    hint: `valid keys: ${known.join(', ')}`,
  });
}

export function unitNotFoundOnDisk(name: string, template: boolean): FlotillaError {
  const what = template ? 'template Unit' : 'Unit';
  return new FlotillaError('CLI_UNIT_NOT_FOUND', `unable to find ${what}(${name}) in Registry or on filesystem`, {
    hint: template
      ? 'submit the template first, or put the template file next to the instance path'
      : 'check the path, or submit the unit first',
  });
}

/** fleetctl failed here with "error Unit <n> does not seem to be a template unit"; this says what is missing. */
export function nothingToReplaceWith(name: string, file: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_NOT_FOUND', `unable to replace Unit(${name}): no local unit file ${file}`, {
    hint: 'pass the path of the new unit file, e.g. `flotilla submit --replace units/<name>`',
  });
}

export function catUnitNotFound(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_NOT_FOUND', `Unit ${name} not found`, {
    hint: 'list submitted units with `flotilla list-unit-files`',
  });
}

export function catNeedsOneUnit(): FlotillaError {
  return new FlotillaError('CLI_USAGE', 'One unit file must be provided');
}

export function cannotStopInactive(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_STATE', `Unable to stop unit ${name} in state inactive`, {
    hint: 'the unit is not scheduled; there is nothing to stop',
  });
}

export function waitTimedOut(units: readonly string[], state: string, seconds: number): FlotillaError {
  const which = units.length === 1 ? `unit ${units[0]}` : `units ${units.join(', ')}`;
  return new FlotillaError(
    'CLI_WAIT_TIMEOUT',
    `Error waiting for units: timed out waiting for ${which} to report state ${state} (waited ${seconds}s)`,
    {
      hint:
        'see `flotilla list-units` and `flotilla list-machines`; no agent may be able to run it, or raise ' +
        '--block-timeout',
    },
  );
}

export function commandDeadline(seconds: number, endpoints: readonly string[]): FlotillaError {
  return new FlotillaError('CLI_DEADLINE', `command did not finish within ${seconds}s (etcd at ${endpoints.join(', ')})`, {
    hint: 'check that etcd is reachable and healthy; raise --request-timeout for slow links',
  });
}

export function unsupportedShell(shell: string): FlotillaError {
  return new FlotillaError('CLI_USAGE', `unsupported shell ${JSON.stringify(shell)}: expected bash or zsh`);
}

export function badOptionValue(option: string, value: string, expected: string): FlotillaError {
  return new FlotillaError('CLI_USAGE', `invalid value ${JSON.stringify(value)} for ${option}: ${expected}`);
}

export function unreadableTlsFile(option: string, file: string, cause: unknown): FlotillaError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new FlotillaError('CLI_TLS_FILE', `Unable to initialize client: cannot read ${option} ${file}: ${reason}`, {
    cause,
  });
}

/** Prefixes a failure with the step it happened in, as fleetctl does ("Error creating units: ..."). */
export function inStep(step: string, err: unknown): unknown {
  if (!(err instanceof FlotillaError)) return err;
  return new FlotillaError(err.code, `${step}: ${err.message}`, {
    hint: err.hint,
    cause: err,
    retryable: err.retryable,
  });
}

/** Runs `work`; a failure is prefixed with `step` as `inStep` does. */
export async function duringStep<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw inStep(step, err);
  }
}

export function unitDoesNotExist(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_NOT_FOUND', `Unit ${name} does not exist.`, { hint: 'list submitted units with `flotilla list-unit-files`' });
}

export function unitNotLoaded(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_STATE', `Unit ${name} does not appear to be loaded.`, { hint: 'start or load it first' });
}

export function unitNotRunning(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_STATE', `Unit ${name} does not appear to be running.`, { hint: 'start or load it first' });
}

export function globalJournal(name: string): FlotillaError {
  return new FlotillaError('CLI_UNIT_STATE', `Unable to retrieve journal of global unit ${name}.`, {
    hint: 'read it on one machine: flotilla ssh <machine> journalctl -u <unit>',
  });
}

export function journalNeedsOneUnit(): FlotillaError {
  return new FlotillaError('CLI_USAGE', 'One unit file must be provided.');
}

export function noAgentApi(machineId: string): FlotillaError {
  return new FlotillaError('CLI_NO_AGENT_API', `machine ${machineId} publishes no API URL`, {
    hint: "set FLOTILLA_API_LISTEN (e.g. 0.0.0.0:54728) in that machine's agent environment, or use `flotilla ssh`",
  });
}

/** fleetctl's list-machines failure text: `Error retrieving list of active machines from fleet API (<err>)`. */
export function machinesListFailed(err: unknown): unknown {
  if (!(err instanceof FlotillaError)) return err;
  return new FlotillaError(err.code, `Error retrieving list of active machines from fleet API (${err.message})`, {
    hint: err.hint ?? 'check that etcd has quorum and that the agents are running',
    cause: err,
    retryable: err.retryable,
  });
}

/** `cordon`/`uncordon`/`drain` name a machine by ID, ID prefix or hostname (machines/resolve.ts). */
export function machineNotFound(arg: string, known: number): FlotillaError {
  return new FlotillaError('CLI_MACHINE_NOT_FOUND', `no machine matches ${JSON.stringify(arg)} (by ID, ID prefix or hostname)`, {
    hint: known === 0 ? 'no machine is registered; start an agent first' : 'list the machines with `flotilla list-machines --full`',
  });
}

export function machineAmbiguous(arg: string, matches: readonly string[]): FlotillaError {
  return new FlotillaError('CLI_MACHINE_AMBIGUOUS', `${JSON.stringify(arg)} matches ${matches.length} machines: ${matches.join(', ')}`, {
    hint: 'give the full machine ID (`flotilla list-machines --full`)',
  });
}

/** `drain` gave up following; the drain itself goes on in the scheduler. */
export function drainTimedOut(machine: string, arg: string, waitedMs: number, pending: string): FlotillaError {
  return new FlotillaError('CLI_WAIT_TIMEOUT', `drain of ${machine} did not finish within ${formatTimeSpan(waitedMs)}: ${pending}`, {
    hint: `the machine stays draining; \`flotilla drain ${arg}\` follows it again (--timeout to wait longer), \`flotilla uncordon ${arg}\` stops it`,
  });
}

export function drainCancelled(machine: string, arg: string): FlotillaError {
  return new FlotillaError('CLI_DRAIN_CANCELLED', `drain of ${machine} was stopped: the machine is no longer draining`, {
    hint: `someone ran \`flotilla uncordon\`; \`flotilla drain ${arg}\` starts it again`,
  });
}

export function machineArgumentsMissing(verb: string, what = 'one or more machines'): FlotillaError {
  return new FlotillaError('CLI_USAGE', `${verb} needs ${what} (a machine ID, a unique ID prefix or a hostname)`, {
    hint: 'list the machines with `flotilla list-machines`',
  });
}
