/**
 * The machine's presence in the registry: `machines/<id>` under a lease the registry keeps alive. When the
 * lease is lost (etcd away longer than the TTL, or a partition), we register again with back-off. Losing the
 * lease never touches systemd: units keep running while etcd is away (as in fleet's `agent/reconcile.go`); the
 * scheduler decides elsewhere, and the reconciler acts on its decision once etcd answers again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Backoff, LeaseLostError, sleep, type AgentRegistry, type BackoffPolicy, type MachineRecord, type PresenceLease } from '@flotilla/core';
import type { Logger } from 'pino';

export interface PresenceOptions {
  registry: Pick<AgentRegistry, 'registerMachine' | 'updateMachine'>;
  machine: MachineRecord;
  ttlSec: number;
  logger: Logger;
  backoff?: BackoffPolicy;
  /** Called after every successful registration (states must be published again under the new lease). */
  onRegistered?: (lease: PresenceLease) => void;
  /** Called when the lease is lost (not on stop). */
  onLost?: () => void;
  /** Where the live lease id is kept (on /run: survives an agent crash, not a reboot). A restarted agent hands
   * it to registerMachine to take the machine key over, so a crash never looks like a lost machine. */
  leaseFile?: string;
}

export class Presence {
  private lease: PresenceLease | undefined;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly opts: PresenceOptions) {
    // Short and capped low: a failed registration costs etcd nothing, and a machine that is back should be
    // seen again within seconds (the gRPC channel's own reconnect back-off is capped at 2 s).
    this.backoff = new Backoff(opts.backoff ?? { baseMs: 250, maxMs: 2000 });
  }

  /** The live lease, or undefined while (re-)registering. */
  get current(): PresenceLease | undefined {
    return this.lease;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /**
   * `leave`: revokes the lease, so the machine key and every state published under it vanish at once, and forgets
   * the lease id. `restart`: stops renewing it but leaves it (and the lease file) in place, so the next agent
   * process takes the machine key over before the TTL runs out and nothing is rescheduled (docs/agent.md).
   */
  async stop(mode: 'leave' | 'restart' = 'leave'): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    const lease = this.lease;
    this.lease = undefined;
    if (mode === 'restart') return lease?.release();
    if (lease) await lease.revoke();
    if (this.opts.leaseFile) fs.rmSync(this.opts.leaseFile, { force: true });
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      if (this.lease === undefined) {
        if (!(await this.registerOnce())) await sleep(this.backoff.next(), signal);
        continue;
      }
      // Wait until the lease is lost or we stop (checked again here in case that happened already).
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (this.lease === undefined || signal.aborted) resolve();
      });
    }
  }

  private async registerOnce(): Promise<boolean> {
    const { registry, machine, ttlSec, logger } = this.opts;
    try {
      const takeOverLeaseId = this.previousLeaseId();
      const lease = await registry.registerMachine(machine, ttlSec, takeOverLeaseId ? { takeOverLeaseId } : undefined);
      if (this.abort.signal.aborted) {
        await lease.revoke().catch(() => {});
        return true;
      }
      this.lease = lease;
      this.backoff.reset();
      // A reload changed the record while this registration was in flight: write the new one (update()).
      if (this.opts.machine !== machine) void this.update(this.opts.machine).catch((err: unknown) => logger.warn({ err }, 'machine record update failed'));
      lease.onLost((err) => this.lost(lease, err));
      logger.info({ machineId: machine.id, leaseId: lease.leaseId, ttlSec, takeOverLeaseId }, 'machine registered');
      this.rememberLease(lease.leaseId);
      this.opts.onRegistered?.(lease);
      return true;
    } catch (err) {
      logger.warn({ err, machineId: machine.id }, 'machine registration failed; retrying with back-off');
      return false;
    }
  }

  private previousLeaseId(): string | undefined {
    if (!this.opts.leaseFile) return undefined;
    try {
      const id = fs.readFileSync(this.opts.leaseFile, 'utf8').trim();
      return /^[0-9]+$/.test(id) ? id : undefined;
    } catch {
      return undefined;
    }
  }

  private rememberLease(leaseId: string): void {
    if (!this.opts.leaseFile) return;
    try {
      fs.mkdirSync(path.dirname(this.opts.leaseFile), { recursive: true });
      fs.writeFileSync(`${this.opts.leaseFile}.tmp`, `${leaseId}\n`);
      fs.renameSync(`${this.opts.leaseFile}.tmp`, this.opts.leaseFile);
    } catch (err) {
      this.opts.logger.warn({ err, file: this.opts.leaseFile }, 'cannot remember the lease id; a crash will look like a lost machine');
    }
  }

  private lost(lease: PresenceLease, err: Error): void {
    if (this.lease !== lease) return;
    this.lease = undefined;
    if (this.abort.signal.aborted) return;
    this.opts.logger.warn({ err, leaseId: lease.leaseId }, 'presence lease lost; registering again (units keep running)');
    this.opts.onLost?.();
    this.wake?.();
  }

  /** The machine record every registration writes. */
  get record(): MachineRecord {
    return this.opts.machine;
  }

  /**
   * A new machine record (a reload changed metadata or IP): every later registration writes it, and the live
   * key is rewritten now under the current lease (compared on the lease: a key we lost is never brought back).
   * Resolves false when no lease is held (or it was lost meanwhile): the next registration writes it.
   */
  async update(record: MachineRecord): Promise<boolean> {
    this.opts.machine = record;
    const lease = this.lease;
    if (lease === undefined) return false;
    try {
      await this.opts.registry.updateMachine(record, lease);
      return true;
    } catch (err) {
      if (err instanceof LeaseLostError) return false;
      throw err;
    }
  }
}
