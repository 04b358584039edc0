/**
 * A granted etcd lease kept alive by this process: one keepalive round trip every TTL/3 (etcd3's rhythm). It is
 * lost — `onLost` fires once, keepalives stop — when etcd answers that the lease is gone (TTL 0: expired or
 * revoked), or when no keepalive succeeded for 2 × TTL (etcd3's rule: an etcd restart extends leases, so a short
 * outage must not count as a loss). A failed keepalive is retried after RETRY_MS, not after TTL/3.
 */
import { LeaseLostError } from '../errors.js';
import type { EtcdPort } from './etcd-port.js';

const RETRY_MS = 250;

/** A lease this process keeps alive, on its main thread (KeptLease) or on a thread of its own (ThreadedLease). */
export interface HeldLease {
  readonly id: string;
  /** Fires once with the loss; a listener added after the loss is called at once. */
  onLost(listener: (err: Error) => void): void;
  /** Stops keeping the lease alive without revoking it: what it holds expires on its TTL. */
  release(): void;
  /** Stops keepalives and revokes: the keys attached to the lease vanish at once. */
  revoke(): Promise<void>;
}

export class KeptLease implements HeldLease {
  private lastAlive = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lostWith: Error | undefined;
  private readonly listeners: ((err: Error) => void)[] = [];

  private constructor(
    private readonly port: EtcdPort,
    readonly id: string,
    private readonly ttlSec: number,
  ) {}

  /** Grants a lease of `ttlSec` and starts keeping it alive. */
  static async grant(port: EtcdPort, ttlSec: number): Promise<KeptLease> {
    if (!(ttlSec >= 1)) throw new RangeError(`an etcd lease needs a TTL of at least 1 s, got ${ttlSec}`);
    const granted = await port.leaseGrant(ttlSec);
    return KeptLease.keep(port, granted.ID, ttlSec);
  }

  /** Keeps alive a lease granted elsewhere (by the process whose keepalive thread this is: lease-thread.ts). */
  static keep(port: EtcdPort, id: string, ttlSec: number): KeptLease {
    const lease = new KeptLease(port, id, ttlSec);
    lease.schedule(lease.interval());
    return lease;
  }

  onLost(listener: (err: Error) => void): void {
    if (this.lostWith) listener(this.lostWith);
    else this.listeners.push(listener);
  }

  release(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  async revoke(): Promise<void> {
    this.release();
    await this.port.leaseRevoke(this.id);
  }

  private interval(): number {
    return Math.max(100, (this.ttlSec * 1000) / 3);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.keepAlive(), delayMs);
  }

  private async keepAlive(): Promise<void> {
    try {
      const { TTL } = await this.port.leaseKeepAlive(this.id);
      if (this.stopped) return;
      if (Number(TTL) <= 0) return this.lose(new LeaseLostError(this.id, 'etcd no longer knows it (expired or revoked)'));
      this.lastAlive = Date.now();
      this.schedule(this.interval());
    } catch (err) {
      if (this.stopped) return;
      if (Date.now() - this.lastAlive > 2 * 1000 * this.ttlSec) {
        return this.lose(new LeaseLostError(this.id, `no keepalive reached etcd for ${2 * this.ttlSec} s`, { cause: err }));
      }
      this.schedule(Math.min(RETRY_MS, this.interval()));
    }
  }

  private lose(err: Error): void {
    this.release();
    this.lostWith = err;
    for (const listener of this.listeners.splice(0)) listener(err);
  }
}
