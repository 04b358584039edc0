/**
 * Every error Flotilla raises on purpose. Each has a stable `code` (printed by the CLI, matched by tests), a
 * `hint` saying how to fix it, and optionally the `cause`. Adapters translate foreign errors (etcd, D-Bus,
 * Docker) into these once, at the boundary; `retryable` marks transient ones.
 */
export interface FlotillaErrorOptions {
  hint?: string;
  cause?: unknown;
  retryable?: boolean;
}

export class FlotillaError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly retryable: boolean;

  constructor(code: string, message: string, opts: FlotillaErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = opts.hint;
    this.retryable = opts.retryable ?? false;
  }
}

export function isFlotillaError(err: unknown): err is FlotillaError {
  return err instanceof FlotillaError;
}

export function isRetryable(err: unknown): boolean {
  return err instanceof FlotillaError && err.retryable;
}

// ---- unit files and names ----

/** A unit file that systemd's parser would reject; the message names `file:line:column`. */
export class UnitFileSyntaxError extends FlotillaError {
  readonly file: string;
  readonly line: number;
  /** 1-based column (in characters) where the problem starts. */
  readonly column: number;

  constructor(file: string, line: number, reason: string, column = 1) {
    super('UNIT_FILE_SYNTAX', `${file}:${line}:${column}: ${reason}`, {
      hint: 'unit files use systemd syntax: [Section] headers, then Key=Value lines',
    });
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** fleet's ValidateName failures; `reason` is fleet's exact text, e.g. `unit name must contain "."`. */
export class InvalidUnitNameError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string, reason: string) {
    super('INVALID_UNIT_NAME', reason, {
      hint: 'unit names look like name.service, name@.service (template) or name@instance.service',
    });
    this.unitName = unitName;
  }
}

/** Where in a unit file an option came from. */
export interface OptionLocation {
  file: string;
  line: number;
  column: number;
  key: string;
}

/** fleet's ValidateOptions failures; `reason` is fleet's exact text, e.g. `MachineID cannot be used with Global`.
 * When the options came from a file, `location` names the offending line and the message starts with it. */
export class InvalidUnitOptionsError extends FlotillaError {
  readonly unitName: string;
  readonly reason: string;
  readonly location: OptionLocation | undefined;

  constructor(unitName: string, reason: string, location?: OptionLocation) {
    const where = location ? `${location.file}:${location.line}:${location.column}: ` : '';
    const key = location ? ` (key ${location.key})` : '';
    super('INVALID_UNIT_OPTIONS', `${where}${reason}${key}`, { hint: `fix the [X-Fleet] section of ${unitName}` });
    this.unitName = unitName;
    this.reason = reason;
    this.location = location;
  }
}

// ---- registry: units ----

export class UnitNotFoundError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string) {
    super('UNIT_NOT_FOUND', `unit ${unitName} does not exist`, { hint: 'submit the unit first' });
    this.unitName = unitName;
  }
}

/** A different unit (other hash) is already stored under this name. */
export class UnitExistsError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string, storedHash: string, newHash: string) {
    super(
      'UNIT_EXISTS',
      `unit ${unitName} already exists with different contents (stored ${storedHash.slice(0, 7)}, new ${newHash.slice(0, 7)})`,
      { hint: 'use --replace to overwrite it, or destroy it first' },
    );
    this.unitName = unitName;
  }
}

/** `X.container` runs as the systemd unit `X.service`: the two names cannot both be in the registry. */
export class SystemdNameTakenError extends FlotillaError {
  readonly unitName: string;
  readonly takenBy: string;

  constructor(unitName: string, takenBy: string) {
    super('UNIT_SYSTEMD_NAME_TAKEN', `unit ${unitName} would run as the same systemd unit as ${takenBy}, which is already in the registry`, {
      hint: `destroy ${takenBy} first, or give ${unitName} another name (docs/containers.md)`,
    });
    this.unitName = unitName;
    this.takenBy = takenBy;
  }
}

export class TemplateActivationError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string) {
    super('TEMPLATE_ACTIVATION', `cannot activate template "${unitName}"`, {
      hint: 'start an instance of it instead, e.g. foo@1.service for foo@.service',
    });
    this.unitName = unitName;
  }
}

// ---- registry: transactions and leadership ----

/** A transaction's compare failed: someone else changed the keys first. Re-read and retry. */
export class ConflictError extends FlotillaError {
  constructor(what: string, opts: { cause?: unknown } = {}) {
    super('REGISTRY_CONFLICT', `registry conflict: ${what}`, {
      hint: 'another writer changed the same keys; read again and retry',
      cause: opts.cause,
      retryable: true,
    });
  }
}

/** A fenced write found that the campaign key no longer has our create revision. */
export class LeadershipLostError extends FlotillaError {
  readonly fenceKey: string;

  constructor(fenceKey: string, opts: { cause?: unknown } = {}) {
    super('LEADERSHIP_LOST', `scheduler leadership lost (election key ${fenceKey} changed or expired)`, {
      hint: 'stop scheduling and campaign again',
      cause: opts.cause,
    });
    this.fenceKey = fenceKey;
  }
}

/** A lease this process kept alive is gone: etcd expired or revoked it, or no keepalive reached etcd for 2 × TTL. */
export class LeaseLostError extends FlotillaError {
  readonly leaseId: string;

  constructor(leaseId: string, why: string, opts: { cause?: unknown } = {}) {
    super('LEASE_LOST', `etcd lease ${leaseId} lost: ${why}`, { hint: 'register again (the agent does this by itself)', cause: opts.cause });
    this.leaseId = leaseId;
  }
}

export class DuplicateMachineError extends FlotillaError {
  readonly machineId: string;

  constructor(machineId: string) {
    super('DUPLICATE_MACHINE', `a live machine with id ${machineId} is already registered`, {
      hint: 'each machine needs a unique /etc/machine-id; or wait for the old agent lease to expire',
    });
    this.machineId = machineId;
  }
}

// ---- registry: transport ----

export class RegistryUnavailableError extends FlotillaError {
  readonly endpoints: string[];

  constructor(endpoints: string[], opts: { cause?: unknown } = {}) {
    const detail = opts.cause instanceof Error ? `: ${opts.cause.message}` : '';
    super('REGISTRY_UNAVAILABLE', `etcd unavailable at ${endpoints.join(', ')}${detail}`, {
      hint: 'check --endpoint and that etcd is running and reachable',
      cause: opts.cause,
      retryable: true,
    });
    this.endpoints = endpoints;
  }
}

export class RegistryTimeoutError extends FlotillaError {
  constructor(operation: string, timeoutMs: number, opts: { cause?: unknown } = {}) {
    super('REGISTRY_TIMEOUT', `registry ${operation} timed out after ${timeoutMs} ms`, {
      hint: 'etcd may be overloaded or partitioned; raise the request timeout or check the cluster health',
      cause: opts.cause,
      retryable: true,
    });
  }
}

/** A stored value that does not decode as the record it should be, or a key that names no valid unit/machine. */
export class CorruptRecordError extends FlotillaError {
  readonly key: string;
  /** What is wrong, e.g. `schema version 7 is not supported`; undefined for plain decode failures. */
  readonly reason: string | undefined;

  constructor(key: string, opts: { cause?: unknown; reason?: string } = {}) {
    super('CORRUPT_RECORD', `corrupt record at ${key}${opts.reason ? `: ${opts.reason}` : ''}`, {
      hint: 'the value was not written by this Flotilla version; delete or rewrite the key',
      cause: opts.cause,
    });
    this.key = key;
    this.reason = opts.reason;
  }
}

/** A machine id that cannot be used in keys or paths (`/`, whitespace, control characters, too long). */
export class InvalidMachineIdError extends FlotillaError {
  readonly machineId: string;

  constructor(machineId: string, reason: string) {
    super('INVALID_MACHINE_ID', reason, { hint: 'machine ids are letters, digits and _.:- (systemd: 32 hex digits)' });
    this.machineId = machineId;
  }
}

// ---- container units (docs/containers.md) ----

/** A `.container` unit that cannot be turned into a service: unknown key, missing Image=, bad value. */
export class ContainerUnitError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string, reason: string) {
    super('CONTAINER_UNIT_INVALID', `${unitName}: ${reason}`, {
      hint: 'container units take the Quadlet subset in docs/containers.md: [Container] Image=, Exec=, ContainerName=, ...',
    });
    this.unitName = unitName;
  }
}

/** The container engine (dockerd, podman's API service) did not answer or answered with an error. */
export class ContainerEngineError extends FlotillaError {
  readonly engine: string;

  constructor(engine: string, message: string, opts: { cause?: unknown; retryable?: boolean } = {}) {
    super('CONTAINER_ENGINE', `${engine}: ${message}`, {
      hint: `check that ${engine === 'podman' ? 'podman.socket' : 'docker.service'} is running on the machine`,
      cause: opts.cause,
      retryable: opts.retryable ?? false,
    });
    this.engine = engine;
  }
}

/** An image that is not on the machine and could not be pulled; `reason` is the engine's own text. */
export class ContainerImagePullError extends FlotillaError {
  readonly image: string;
  readonly reason: string;

  constructor(image: string, reason: string, opts: { cause?: unknown } = {}) {
    super('CONTAINER_IMAGE_PULL', `pull ${image}: ${reason}`, {
      hint: 'check the image name and that the machine can reach its registry; pulls are retried with backoff',
      cause: opts.cause,
      retryable: true,
    });
    this.image = image;
    this.reason = reason;
  }
}

// ---- agent ----

/** status/journal asked of an agent for a unit it does not run (not assigned here, not loaded, or refused). */
export class UnitNotManagedHereError extends FlotillaError {
  readonly unitName: string;
  readonly machineId: string;

  constructor(unitName: string, machineId: string, reason = 'not loaded by this agent') {
    super('UNIT_NOT_MANAGED_HERE', `unit ${unitName} is not managed by the agent on machine ${machineId}: ${reason}`, {
      hint: 'ask the machine that runs the unit (list-units shows it); status and journal only serve units the agent loaded',
    });
    this.unitName = unitName;
    this.machineId = machineId;
  }
}

/** A units directory that is, holds or lies inside one of systemd's unit directories: the agent would delete host units. */
export class UnsafeUnitsDirError extends FlotillaError {
  readonly dir: string;

  constructor(dir: string, reason: string) {
    super('UNSAFE_UNITS_DIR', reason, {
      hint: 'give the agent a directory of its own, e.g. the default /run/flotilla/units (docs/agent.md, "Where unit files go")',
    });
    this.dir = dir;
  }
}

/** A unit's `[X-Flotilla]` health keys (HealthCheck=, HealthInterval= …) that cannot be understood. */
export class HealthCheckConfigError extends FlotillaError {
  readonly unitName: string;

  constructor(unitName: string, message: string) {
    super('HEALTH_CHECK_CONFIG', `${unitName}: ${message}`, {
      hint: 'see docs/agent.md, "Health checks": HealthCheck=http://HOST:PORT/PATH | tcp:HOST:PORT | exec:/path args',
    });
    this.unitName = unitName;
  }
}

/** A scale request that cannot be a service: not a template, or a count out of range (docs/services.md). */
export class InvalidServiceError extends FlotillaError {
  constructor(reason: string) {
    super('INVALID_SERVICE', reason, { hint: 'scale a template (NAME@ or NAME@.service) to a whole number from 0 to 1000' });
  }
}

// ---- deployments (docs/deployments.md) ----

/** `deploy` of a file whose template is not a stored service, or of a unit that cannot be deployed. */
export class InvalidDeploymentError extends FlotillaError {
  constructor(reason: string, hint = 'deploy a new version of a template stored as a service: flotilla scale app@ N first') {
    super('INVALID_DEPLOYMENT', reason, { hint });
  }
}

/** A second deployment of a service while one is still running. */
export class DeploymentInProgressError extends FlotillaError {
  readonly deploymentId: string;

  constructor(template: string, deploymentId: string, state: string) {
    super('DEPLOYMENT_IN_PROGRESS', `${template} is being deployed by deployment ${deploymentId} (${state})`, {
      hint: `wait for ${deploymentId} to end (flotilla deployments), or promote it (flotilla deploy promote)`,
    });
    this.deploymentId = deploymentId;
  }
}

/** `deploy promote` of a service with no deployment waiting for promotion. */
export class NotPromotableError extends FlotillaError {
  constructor(template: string, reason: string) {
    super('NOT_PROMOTABLE', `${template}: ${reason}`, { hint: 'only a running deployment with Canary= instances can be promoted' });
  }
}

/** `rollback` with no earlier version to go back to (or `--to` naming none). */
export class NoRollbackTargetError extends FlotillaError {
  constructor(template: string, reason: string) {
    super('NO_ROLLBACK_TARGET', `${template}: ${reason}`, { hint: `flotilla history ${template.replace(/\.service$/, '')} lists the versions kept` });
  }
}
