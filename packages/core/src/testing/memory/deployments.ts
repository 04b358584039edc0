/**
 * The in-memory registry's deployments (docs/deployments.md), with the same rules as the etcd store: start and
 * promote through the pure planStart/planPromote, one leader step applied whole or not at all (the deployment's
 * revision compared, the fence checked).
 */
import {
  ConflictError,
  makeUnitRecord,
  nextGlobalRecord,
  planPromote,
  planStart,
  withResult,
  declaredReplicas,
  type Assignment,
  type DeploymentRecord,
  type DeploymentWrite,
  type ServiceHistory,
  type ServiceRecord,
  type StoredDeployment,
  type UnitRecord,
  type UnitSpec,
} from '@flotilla/core';

/** What the deployments need of the registry around them. */
export interface DeploymentHost {
  revision(): number;
  unit(name: string): UnitRecord | undefined;
  service(template: string): ServiceRecord | undefined;
  /** One transaction: `apply` runs with the writers below. */
  commit(apply: () => void): void;
  putUnit(record: UnitRecord): void;
  /** Rewrites the unit's assignments with its hash and desired state. */
  mirror(record: UnitRecord): void;
  assignment(machineId: string, unit: string): Assignment | undefined;
  putAssignment(assignment: Assignment): void;
  putService(service: ServiceRecord): void;
  newId(template: string): string;
}

export class MemoryDeployments {
  private readonly deployments = new Map<string, { record: DeploymentRecord; revision: number }>();
  private readonly histories = new Map<string, ServiceHistory>();

  constructor(private readonly host: DeploymentHost) {}

  start(spec: UnitSpec, opts: { rollback?: boolean } = {}): DeploymentRecord {
    const name = spec.name;
    const writes = planStart(
      { spec, id: this.host.newId(name), now: Date.now(), rollback: opts.rollback },
      { template: this.host.unit(name), service: this.host.service(name), current: this.get(name), history: this.histories.get(name) },
    );
    this.host.commit(() => {
      this.host.putUnit(writes.template);
      this.put(writes.deployment);
      this.histories.set(name, writes.history);
      const declared = declaredReplicas(name, writes.template.options);
      if (declared !== undefined && 'count' in declared) this.host.putService({ template: name, count: declared.count });
    });
    return writes.deployment;
  }

  promote(template: string): DeploymentRecord {
    const next = planPromote(template, this.get(template), Date.now());
    this.host.commit(() => this.put(next));
    return next;
  }

  get(template: string): DeploymentRecord | undefined {
    return this.deployments.get(template)?.record;
  }

  list(): DeploymentRecord[] {
    return this.read().map((d) => d.deployment);
  }

  read(): StoredDeployment[] {
    return [...this.deployments.keys()].sort().map((k) => {
      const d = this.deployments.get(k) as { record: DeploymentRecord; revision: number };
      return { deployment: d.record, revision: String(d.revision) };
    });
  }

  history(template: string): ServiceHistory | undefined {
    return this.histories.get(template);
  }

  /** The caller checked the fence. false: the deployment changed since it was read, or an instance is gone. */
  apply(write: DeploymentWrite): boolean {
    const d = write.deployment;
    if (String(this.deployments.get(d.template)?.revision) !== write.read.revision) return false;
    if (d.global === true) return this.applyGlobal(write);
    const target = d.state === 'reverting' ? d.fromOptions : d.toOptions;
    const instances = write.replace.map((name) => this.host.unit(name));
    if (instances.some((u) => u === undefined)) return false;
    if (write.revertTemplate && !this.host.unit(d.template)) throw new ConflictError(`template ${d.template} is gone`);
    this.host.commit(() => {
      this.put(d);
      for (const unit of instances as UnitRecord[]) {
        const next = makeUnitRecord({ name: unit.name, options: target }, unit.desiredState);
        this.host.putUnit(next);
        this.host.mirror(next);
      }
      if (write.revertTemplate) this.host.putUnit(makeUnitRecord({ name: d.template, options: d.fromOptions }, 'inactive'));
      const history = this.histories.get(d.template);
      if (history) this.histories.set(d.template, write.results.reduce((h, r) => withResult(h, d.id, r.hash, r.result), history));
    });
    return true;
  }

  /** As the etcd store's global step: machines' assignments move to the target hash; revert and end per nextGlobalRecord. */
  private applyGlobal(write: DeploymentWrite): boolean {
    const d = write.deployment;
    const targetHash = d.state === 'reverting' ? d.fromHash : d.toHash;
    const assignments = write.replace.map((machineId) => this.host.assignment(machineId, d.template));
    if (assignments.some((a) => a === undefined)) return false;
    const unit = this.host.unit(d.template);
    const next = unit && nextGlobalRecord(unit, write);
    this.host.commit(() => {
      this.put(d);
      for (const a of assignments as Assignment[]) this.host.putAssignment({ ...a, hash: targetHash });
      if (next) this.host.putUnit(next);
      const history = this.histories.get(d.template);
      if (history) this.histories.set(d.template, write.results.reduce((h, r) => withResult(h, d.id, r.hash, r.result), history));
    });
    return true;
  }

  private put(record: DeploymentRecord): void {
    this.deployments.set(record.template, { record, revision: this.host.revision() });
  }
}
