/**
 * What the rest of Flotilla needs from the registry. `EtcdRegistry` (etcd v3, msgpackr values) is the real
 * implementation; pure-logic tests may use an in-memory fake with the same interface.
 * Every method has a deadline (RegistryOptions.requestTimeoutMs) and throws typed errors from core/errors.ts.
 */
import type { DeploymentRecord, ServiceHistory, VersionResult } from '../deployment/record.js';
import type { CorruptRecordError } from '../errors.js';
import type {
  Assignment,
  DesiredState,
  MachineCordon,
  MachineRecord,
  ServiceRecord,
  UnitRecord,
  UnitSpec,
  UnitStateRecord,
  RegistryLayout,
} from '../model.js';

/** How the registry talks to etcd: its JSON gateway over HTTP (light) or gRPC (etcd3; bulk throughput). */
export type EtcdTransport = 'http' | 'grpc';

/** A place to keep one set of credentials' etcd auth token between processes. Failures to read or write are the
 * implementation's to swallow: a cache must never fail a call. */
export interface EtcdTokenCache {
  /** The token saved for these credentials, if any. */
  load(): string | undefined;
  /** A token etcd has just issued for these credentials. */
  save(token: string): void;
}

export interface RegistryOptions {
  /** etcd client URLs, e.g. ['http://127.0.0.1:2379']. */
  endpoints: string[];
  /** Default: FLOTILLA_ETCD_TRANSPORT, else 'http' (docs/registry.md, "Transports"). */
  transport?: EtcdTransport;
  /** For the leader's snapshot(), applySchedule() and watchCluster, opened when this registry first wins the scheduler
   * election (until then they use `transport`). Default: FLOTILLA_ETCD_BULK_TRANSPORT, else `transport`. */
  bulkTransport?: EtcdTransport;
  /** Key prefix; default '/flotilla/'. */
  prefix?: string;
  /** Deadline for every single etcd call; default 5000 ms. */
  requestTimeoutMs?: number;
  /** TLS material (PEM file contents). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** etcd user/password auth. */
  auth?: { username: string; password: string };
  /** Where the auth token is kept between processes (the CLI's token cache, docs/fleetctl-compat.md, "TLS and
   * auth"); HTTP transport only. Without it every connection authenticates (one round trip plus etcd's bcrypt). */
  authTokenCache?: EtcdTokenCache;
  /** A short-lived command's registry (the CLI): requests share one keep-alive connection per port, queued, so a
   * command pays one TLS handshake, not one per parallel read (docs/benchmarks.md, "CLI cold start, third pass").
   * Daemons leave it off: their requests must not queue behind each other. Streams (watches) have their own. */
  oneConnection?: boolean;
  /** The etcd server's `--max-txn-ops`: the leader packs its placement transactions to it (default 128, etcd's
   * default). More operations per transaction write faster (docs/benchmarks.md, "Placement transactions of 512").
   * If etcd refuses a transaction as too large, the registry goes back to 128 for good and warns. */
  maxTxnOps?: number;
  /** Called for every stored value or key that is skipped as corrupt or foreign (list, snapshot, watch).
   * Default: a process warning, once per key. Daemons pass their logger. */
  onCorruptRecord?: (err: CorruptRecordError) => void;
}

/** Proof of scheduler leadership: writes are compared against this key's create revision (fencing). */
export interface Fence {
  key: string;
  createRevision: string;
}

/** A machine's presence: the lease its machine key and unit states live under. */
export interface PresenceLease {
  leaseId: string;
  /** Fires once when the lease is lost (expired or revoked); the agent then registers again. */
  onLost(listener: (err: Error) => void): void;
  /** Revokes the lease: the machine key and its states vanish at once. */
  revoke(): Promise<void>;
  /** Stops keeping the lease alive without revoking it (an agent restarting: the next process takes it over,
   * RegisterMachineOptions.takeOverLeaseId); what it holds expires on its TTL otherwise. */
  release(): void;
  /** registerMachine moved an existing machine key over from `takeOverLeaseId`: the machine never left. */
  takenOver?: boolean;
}

export type WatchEvent<T> =
  | { type: 'put'; key: string; value: T; revision: string }
  | { type: 'delete'; key: string; revision: string };

export interface Subscription {
  close(): Promise<void>;
}

/** One consistent read of everything placement needs. */
export interface ClusterSnapshot {
  units: UnitRecord[];
  machines: MachineRecord[];
  /** unit name → machine id: its `schedule/<unit>` key, or without one its placed assignment (layout.ts). */
  schedule: Map<string, string>;
  /** unit name → modRevision of `units/<name>` at snapshot time (assign compares it). */
  unitRevisions: Map<string, string>;
  /** Assignments no `schedule/` entry backs: global units' per-machine assignments, and strays of units that
   * stopped being global or were destroyed. unit name → machine id → the assignment as stored (its
   * hash/desiredState may lag the unit's; the scheduler rewrites it, and removes strays). */
  globalAssignments: Map<string, Map<string, Assignment>>;
  /** Scheduled units whose assignment on their scheduled machine does not say what their record says (hash or
   * desired state: assignment-lag.ts), as stored: unit name → that assignment. The leader rewrites them (a
   * `refresh`); today's writers of a record also write its assignments, so this is normally empty. */
  laggingAssignments: Map<string, Assignment>;
  /** etcd revision the snapshot was read at. */
  revision: string;
  /** The registry's layout at that revision (layout.ts); absent: 1. Schedule entries read the same in both. */
  layout?: RegistryLayout;
}

/*
 * The registry is read and written by four kinds of users, each through the role below that it needs
 * (docs/registry.md): the CLI and the API (units, states, machines, cordon), the scheduler (snapshot, watch,
 * fenced placement), the agent (presence, its assignments, its states) and the ops views (event log, election).
 * `ClusterRegistry` is all the roles but the election, event log and endpoints; EtcdRegistry implements every one.
 */

/** Units and their desired state (CLI, API). */
export interface UnitCatalog {
  /** Creates the unit (desired state `inactive` unless given). Same hash already stored → no-op, returns it.
   * Different hash stored → throws UnitExistsError unless `replace` is set. */
  submitUnit(spec: UnitSpec, opts?: { desiredState?: DesiredState; replace?: boolean }): Promise<UnitRecord>;
  /** submitUnit (without replace) for many units, fewer round trips: every spec validated before any write, then
   * all-or-nothing per batch (etcd: 64 units a transaction). Same-hash units are kept; a different hash throws
   * UnitExistsError, a taken systemd name SystemdNameTakenError. Returns the records in spec order. */
  submitUnits(specs: readonly UnitSpec[], opts?: { desiredState?: DesiredState }): Promise<UnitRecord[]>;
  getUnit(name: string): Promise<UnitRecord | undefined>;
  listUnits(): Promise<UnitRecord[]>;
  /** Sets the desired state, and in the same transaction mirrors it into the unit's assignment (if scheduled);
   * `inactive` also removes the schedule and assignment. Throws UnitNotFoundError, TemplateActivationError. */
  setDesiredState(name: string, state: DesiredState): Promise<UnitRecord>;
  /** Deletes the unit, its schedule and assignment atomically. Returns false if it did not exist. */
  destroyUnit(name: string): Promise<boolean>;
}

/** Many units read at once (the CLI's lazy creation of hundreds of units). */
export interface UnitLookup {
  /** getUnit for many names in few round trips (etcd: 128 reads a transaction); in `names` order, undefined
   * where no unit is stored. A corrupt record throws CorruptRecordError, as getUnit. */
  getUnits(names: readonly string[]): Promise<(UnitRecord | undefined)[]>;
}

/** Stored services (docs/services.md): a template and its replica count (CLI, API, ops views). */
export interface ServiceCatalog {
  /** Records `count` for `template` (0..1000). When the template is not stored, `templateSpec` is stored with it in
   * the same transaction; without one, UnitNotFoundError. Bad input → InvalidServiceError, nothing written. */
  scaleService(template: string, count: number, templateSpec?: UnitSpec): Promise<ServiceRecord>;
  getService(template: string): Promise<ServiceRecord | undefined>;
  listServices(): Promise<ServiceRecord[]>;
}

/** What the elected scheduler needs to keep services' counts: read, watch, and fenced instance writes. */
export interface ServiceControl extends Pick<ServiceCatalog, 'listServices'> {
  applyServiceChanges(changes: readonly ServiceChange[], fence: Fence): Promise<ApplyServicesResult>;
}

/** One step of keeping a service's count: create a numbered instance (launched), launch one, destroy one. */
export type ServiceChange =
  | { kind: 'create'; unit: UnitRecord }
  | { kind: 'launch'; unit: string }
  | { kind: 'destroy'; unit: string };

export interface ApplyServicesResult {
  applied: number;
  /** Changes whose compares failed (the unit changed meanwhile): planned again on the next pass. */
  conflicts: ServiceChange[];
}

/** Deployments of stored services (docs/deployments.md): start, promote, read (CLI, API). */
export interface DeploymentCatalog {
  /** Starts deploying `spec` (a new version of a stored service's template, or of a stored global unit) in one
   * transaction: the template (or unit, pinning its old version), the deployment record, the history. Refuses
   * (writing nothing) anything else, a change of kind (global or not), bad options, and a deployment still running
   * (DeploymentInProgressError naming it). */
  startDeployment(spec: UnitSpec, opts?: { rollback?: boolean }): Promise<DeploymentRecord>;
  /** Lets a canary deployment continue (NotPromotableError when none waits). */
  promoteDeployment(template: string): Promise<DeploymentRecord>;
  getDeployment(template: string): Promise<DeploymentRecord | undefined>;
  listDeployments(): Promise<DeploymentRecord[]>;
  getHistory(template: string): Promise<ServiceHistory | undefined>;
}

/** A deployment as the leader read it: the record and the revision its step compares. */
export interface StoredDeployment {
  deployment: DeploymentRecord;
  revision: string;
}

/** What the leader writes for one step of a deployment, in one fenced transaction. */
export interface DeploymentWrite {
  /** The record as read (its revision is compared). */
  read: StoredDeployment;
  /** The record after the step. */
  deployment: DeploymentRecord;
  /** Instances put on the target version now (the template's options of that version), in place. */
  replace: string[];
  /** The template goes back to the deployment's `fromOptions`. */
  revertTemplate: boolean;
  results: { hash: string; result: VersionResult }[];
}

/** The elected scheduler's side of deployments: read them, write steps fenced by leadership. */
export interface DeploymentControl {
  readDeployments(): Promise<StoredDeployment[]>;
  /** false when a compare other than the fence failed (re-planned next pass); LeadershipLostError on the fence. */
  applyDeploymentStep(write: DeploymentWrite, fence: Fence): Promise<boolean>;
}

/** Published unit states, read side (CLI, API, the scheduler's stop-before-start, ops views). */
export interface UnitStateView {
  listStates(): Promise<UnitStateRecord[]>;
  getStates(unitName: string): Promise<UnitStateRecord[]>;
  /** Watches `states/<unit>/` (CLI `start` waits on it instead of polling). */
  watchStates(unitName: string, onEvent: (event: WatchEvent<UnitStateRecord>) => void): Promise<Subscription>;
}

/** The machines of the cluster, with dynamic metadata and cordon merged in. */
export interface MachineDirectory {
  listMachines(): Promise<MachineRecord[]>;
}

/** Operator changes to machines that outlive their presence (fleet's PATCH /machines; cordon and drain). */
export interface MachineAdmin {
  /** Sets (value string) or removes (value undefined) dynamic metadata keys; merged over the machine's own
   * metadata by listMachines/snapshot. Works for machines not currently registered. No lease, survives rejoin. */
  patchMachineMetadata(ops: MachineMetadataOp[]): Promise<void>;
  /** Cordons (and with `drain`, drains) a machine, or (undefined) makes it schedulable again; merged into
   * MachineRecord.cordon by listMachines/snapshot/watchCluster. Works for machines not currently registered. */
  setMachineCordon(machineId: string, cordon: MachineCordon | undefined): Promise<void>;
}

/** One consistent read of the cluster and the typed events after it (scheduler, placement metrics). */
export interface ClusterView {
  snapshot(): Promise<ClusterSnapshot>;
  /** Typed events for units/, machines/ (with dynamic metadata), schedule/ and assignments/, in revision order,
   * starting after `opts.fromRevision` (e.g. a snapshot's revision) so the scheduler can keep its snapshot current
   * incrementally; compaction → `opts.onReset` (re-snapshot). */
  watchCluster(onEvent: (event: ClusterEvent) => void, opts?: WatchOptions): Promise<Subscription>;
}

/** The scheduler's view and its placement writes, fenced by leadership. */
export interface SchedulingRegistry extends ClusterView {
  /** Places a unit in one transaction, in the registry's layout (layout.ts): writes
   * `assignments/<machineId>/<unit>` (hash + desiredState from `unit`, placed) and in layout 1 `schedule/<unit>` =
   * machineId, only if `units/<name>` still has `unitModRevision`, (layout 1) the unit is not scheduled yet, and the
   * fence (if given) holds.
   * A failed compare throws ConflictError (retryable) or LeadershipLostError (fence). */
  assign(unit: UnitRecord, unitModRevision: string, machineId: string, fence?: Fence): Promise<void>;
  /** Removes schedule + assignment in one transaction if `schedule/<unit>` still points at `machineId`
   * (ConflictError otherwise). The agent also calls it, unfenced, to hand back a unit it stopped. */
  unassign(unitName: string, machineId: string, fence?: Fence): Promise<void>;
  /** Watches units/, machines/ and schedule/: the scheduler re-plans on any event. */
  watchScheduling(onEvent: () => void): Promise<Subscription>;
  /** Applies many placement changes in batched, fenced transactions (≤ 128 ops each). A batch whose compares
   * fail is retried change by change; changes that still conflict are returned, not thrown. A failed fence
   * throws LeadershipLostError and applies nothing more. */
  applySchedule(changes: ScheduleChange[], fence: Fence, layout?: RegistryLayout): Promise<ApplyScheduleResult>;
  /** Moves the registry to layout 2 (docs/registry.md, "One write per placement"), fenced: the marker, then every
   * `schedule/` key folded into its assignment (placed). Resumes a move an earlier leader left half done. A registry
   * that has one layout only answers with it and writes nothing. */
  migrateLayout(fence: Fence): Promise<{ layout: RegistryLayout; migrated: number }>;
}

/** The agent's side: its machine's presence, its assignments and the states it publishes. */
export interface AgentRegistry {
  /** Grants a lease of `ttlSec`, keeps it alive, and writes `machines/<id>` under it (create-only:
   * a live machine with the same id → DuplicateMachineError). */
  registerMachine(machine: MachineRecord, ttlSec: number, opts?: RegisterMachineOptions): Promise<PresenceLease>;
  /** Rewrites `machines/<id>` under `lease`, only if the key is still attached to it (never resurrects a lost
   * machine key); otherwise throws LeaseLostError. */
  updateMachine(machine: MachineRecord, lease: PresenceLease): Promise<void>;
  listAssignments(machineId: string): Promise<Assignment[]>;
  /** With `fromRevision`, the watch starts right after that revision (no gap after a list); if etcd has
   * compacted it, `onReset` is called and the caller must re-list (the watch then continues from now; events
   * whose revision is ≤ the re-list's revision are already in it and may be skipped). A dropped connection
   * resumes after the last delivered event, with no gap and no duplicate. */
  watchAssignments(
    machineId: string,
    onEvent: (event: WatchEvent<Assignment>) => void,
    opts?: WatchOptions,
  ): Promise<Subscription>;
  /** This machine's assignments at one revision (to pair with watchAssignments' fromRevision). */
  assignmentsAt(machineId: string): Promise<{ assignments: Assignment[]; revision: string }>;
  /** Writes `states/<unit>/<machine>` under the machine's lease (LeaseLostError once the lease is gone). */
  publishState(state: UnitStateRecord, lease: PresenceLease): Promise<void>;
  /** Many states under `lease` in one transaction per 128 (etcd's default --max-txn-ops); each transaction is
   * all-or-nothing (rejected, writing nothing, once the lease is gone). */
  publishStates(states: UnitStateRecord[], lease: PresenceLease): Promise<void>;
  removeState(unitName: string, machineId: string): Promise<void>;
}

/** What the ops views (health, events, dashboard, metrics) read: the cluster, the states, the leader, the log,
 * the services and their latest deployments. */
export interface OpsView
  extends ClusterView,
    Pick<UnitStateView, 'listStates'>,
    Pick<LeaderElection, 'currentLeader'>,
    Pick<ClusterEventLog, 'listEvents' | 'watchHealthChanges'>,
    Pick<ServiceCatalog, 'listServices'>,
    Pick<DeploymentCatalog, 'listDeployments'> {}

/** A registry connection that can be closed (what opens it closes it). */
export interface RegistryConnection {
  close(): Promise<void>;
}

/** Every role above: what EtcdRegistry (and the in-memory registry for tests) implements besides the election,
 * the event log and endpoints. Take the narrowest role a module uses, not this. */
export interface ClusterRegistry
  extends UnitCatalog,
    UnitLookup,
    UnitStateView,
    MachineDirectory,
    MachineAdmin,
    SchedulingRegistry,
    AgentRegistry,
    RegistryConnection {}

export interface WatchOptions {
  fromRevision?: string;
  onReset?: () => void;
}

export type ClusterEvent =
  | { kind: 'unit'; type: 'put'; unit: UnitRecord; modRevision: string; revision: string }
  | { kind: 'unit'; type: 'delete'; name: string; revision: string }
  | { kind: 'machine'; type: 'put'; machine: MachineRecord; revision: string }
  | { kind: 'machine'; type: 'delete'; id: string; revision: string }
  | { kind: 'schedule'; type: 'put'; unit: string; machineId: string; revision: string }
  | { kind: 'schedule'; type: 'delete'; unit: string; revision: string }
  | { kind: 'assignment'; type: 'put'; assignment: Assignment; revision: string }
  | { kind: 'assignment'; type: 'delete'; unit: string; machineId: string; revision: string };

/** One placement change. Global units have no `schedule/` key: only their per-machine assignments. */
export type ScheduleChange =
  | { kind: 'assign'; unit: UnitRecord; unitModRevision: string; machineId: string }
  | { kind: 'unassign'; unit: string; machineId: string }
  | { kind: 'assign-global'; unit: UnitRecord; unitModRevision: string; machineId: string }
  | { kind: 'unassign-global'; unit: string; machineId: string }
  /** Rewrites a scheduled unit's assignment to say what its record says (`assignment`: assignmentInLine), if the
   * record is still at `unitModRevision` and the unit still scheduled on that machine. */
  | { kind: 'refresh'; unit: UnitRecord; unitModRevision: string; machineId: string; assignment: Assignment };

export interface ApplyScheduleResult {
  applied: number;
  /** Highest etcd revision the applied transactions wrote (absent if nothing was written): a watcher that has
   * seen this revision has seen every applied change. */
  revision?: string;
  /** Changes not applied because their compares failed (the scheduler re-plans them). */
  conflicts: ScheduleChange[];
}

export interface MachineMetadataOp {
  machineId: string;
  key: string;
  /** undefined removes the key. */
  value?: string;
}

export interface RegisterMachineOptions {
  /** The lease this machine's previous agent process held (it crashed; the agent keeps the id in /run). If
   * `machines/<id>` is still under that lease, it is moved to the new lease in one transaction, so the machine
   * never looks gone and nothing is rescheduled; the old lease is then revoked. Otherwise: create-only. */
  takeOverLeaseId?: string;
}

/** Held scheduler leadership (etcd election). */
export interface Leadership {
  fence: Fence;
  /** Fires once when leadership is lost (lease expired, key deleted, resigned). */
  onLost(listener: (err: Error) => void): void;
  resign(): Promise<void>;
}

export interface LeaderElection {
  /** Campaigns as `candidateId`; resolves once elected, rejects with AbortError when `signal` aborts. */
  campaign(candidateId: string, ttlSec: number, signal: AbortSignal): Promise<Leadership>;
  /** The current leader's candidate id, if any. */
  currentLeader(): Promise<string | undefined>;
}

// ---- cluster event log (docs/ops.md) ----

/** `deployment`: a step of a service's deployment (docs/deployments.md); `unit` is the template, `reason` says what. */
export type ClusterLogEventKind = 'placed' | 'rescheduled' | 'unplaceable' | 'unit-failed' | 'machine-lost' | 'machine-joined' | 'deployment';

/** Why the scheduler moved a unit off a machine (a `rescheduled` entry): its machine went away, a rebalancing
 * move, a drain (`flotilla drain`), a `Replaces=` displacement, or a rule that no longer holds there. */
export type MoveCause = 'machine-lost' | 'rebalance' | 'drain' | 'replaces' | 'rule';

/** One entry of the bounded cluster event log (`activity/<id>`). */
export interface ClusterLogEvent {
  /** Sortable id (ms timestamp + counter + writer), also the key suffix; set by appendEvent. */
  id: string;
  kind: ClusterLogEventKind;
  /** ms since epoch. */
  at: number;
  unit?: string;
  machineId?: string;
  /** Earlier machine (rescheduled). */
  fromMachineId?: string;
  /** Why it moved (rescheduled); absent in entries written before causes were recorded, or when the leader that
   * placed it did not see the move start (a new term). */
  cause?: MoveCause;
  /** systemd's NRestarts when the unit failed (unit-failed): automatic restarts before it gave up. */
  restarts?: number;
  reason?: string;
}

/** An entry to append: id and (unless given) time are set by the registry. */
export type NewClusterLogEvent = Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number };

export interface EventRetention {
  /** Entries kept (oldest removed first); default 1000. */
  maxEvents?: number;
  /** Entries older than this are removed; default 24 h. */
  maxAgeMs?: number;
}

/** The bounded cluster event log, kept in etcd with retention. EtcdRegistry implements it. */
export interface ClusterEventLog {
  /** Appends one entry and trims the log to the retention; resolves to the stored entry. */
  appendEvent(event: Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number }, retention?: EventRetention): Promise<ClusterLogEvent>;
  /** Appends many entries (a scheduler pass) with one trim. */
  appendEvents(events: readonly (Omit<ClusterLogEvent, 'id' | 'at'> & { at?: number })[], retention?: EventRetention): Promise<ClusterLogEvent[]>;
  /** The newest `limit` entries (default 200), oldest first. */
  listEvents(opts?: { limit?: number }): Promise<ClusterLogEvent[]>;
  /** Entries appended after `fromRevision` (or now), in order. */
  watchEvents(onEvent: (event: ClusterLogEvent) => void, opts?: WatchOptions): Promise<Subscription>;
  /** Calls `onChange` on any change the health view depends on (units, machines, schedule, states, election,
   * event log); debounce it, then re-read. */
  watchHealthChanges(onChange: () => void): Promise<Subscription>;
}

/** Where a running unit answers: published by the agent while the unit is active and declares a port. */
export interface EndpointRecord {
  unit: string;
  machineId: string;
  ip: string;
  port: number;
  /** The unit's discovery name (unit/discovery-name.ts), read by the publishing agent from the unit it runs, so the
   * per-machine DNS follows endpoints alone (docs/discovery.md). Absent: the unit has none, or an older agent. */
  service?: string;
  project?: string;
}

/** Published endpoints, under `agent-endpoints/<unit>/<machineId>`, each under its machine's lease. */
export interface EndpointRegistry {
  publishEndpoint(endpoint: EndpointRecord, lease: PresenceLease): Promise<void>;
  removeEndpoint(unitName: string, machineId: string): Promise<void>;
  listEndpoints(): Promise<EndpointRecord[]>;
  /** Calls `onChange` after any endpoint is put or deleted (re-read with listEndpoints). */
  watchEndpoints(onChange: () => void): Promise<Subscription>;
}
