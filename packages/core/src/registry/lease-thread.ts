/**
 * A lease kept alive from a thread of its own (lease-worker.ts): the scheduler election's. The leader's main thread
 * decodes snapshots and plans for seconds at a time at 1,000,000 units (docs/benchmarks.md, "1,000,000 units"), and
 * with the election's short TTL a keepalive that waits for the main thread lets the lease expire: leadership moves,
 * the next leader reads the whole cluster again, and nothing gets placed. The thread keeps the lease alive on its own
 * etcd connection, by KeptLease's rules (lost when etcd says it is gone, or after 2 × TTL without an answer), while
 * the main thread shows it is still running: it posts a beat every BEAT_MS, and a main thread silent for longer than
 * the stall limit (a hung process) lets the lease go, so a wedged leader still hands over. A dead process takes the
 * thread with it, so failover after a crash, a kill or a lost machine is unchanged. docs/scheduler.md, "Leadership".
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { LeaseLostError } from '../errors.js';
import type { EtcdPort } from './etcd-port.js';
import { KeptLease, type HeldLease } from './lease.js';
import type { EtcdTransport, RegistryOptions } from './types.js';

/** How the thread connects: what RegistryOptions says about reaching etcd (plain data, copied to the thread). */
export interface LeaseConnection {
  transport: EtcdTransport;
  endpoints: string[];
  timeoutMs: number;
  tls?: RegistryOptions['tls'];
  auth?: RegistryOptions['auth'];
}

/** What the thread is started with. */
export interface LeaseThreadData extends LeaseConnection {
  leaseId: string;
  ttlSec: number;
  stallLimitMs: number;
}

/** A message from the thread: its first keepalive went through (it keeps the lease from now on), or it stopped
 * keeping the lease alive, and why. */
export type LeaseThreadMessage = { kind: 'ready' } | { kind: 'lost'; why: string };

/** The thread's V8 heap limits (MB): a tenth of what it would take by default, several times what it uses. */
const THREAD_HEAP_LIMITS = { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 4 };

/** How often the main thread shows the keepalive thread it runs. */
export const BEAT_MS = 250;

/** How long a silent main thread keeps its lease: the longest stall a leader rides out (a hung one hands over after
 * it, plus the TTL). At least 30 s; longer than any pass step measured at 1,000,000 units (~6 s under a profiler). */
export function stallLimitMs(ttlSec: number): number {
  return Math.max(30_000, 10 * ttlSec * 1000);
}

/** lease-worker.js next to this module once built; from the TypeScript sources (tests), the built one. */
export function leaseWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  return here.endsWith('.ts') ? path.join(dir, '../../dist/registry/lease-worker.js') : path.join(dir, 'lease-worker.js');
}

/** Whether a lease can be kept from a thread here (the built worker file exists: not in the CLI's bundle). */
export function leaseThreadAvailable(): boolean {
  return fs.existsSync(leaseWorkerFile());
}

export class ThreadedLease implements HeldLease {
  private stopped = false;
  private lostWith: Error | undefined;
  private readonly listeners: ((err: Error) => void)[] = [];
  private readonly worker: Worker;
  private readonly beat: NodeJS.Timeout;
  /** Keeps the lease from this thread until the thread's first keepalive went through: starting a thread and
   * connecting it can take longer than a 2 s TTL on a loaded box. */
  private bridge: KeptLease | undefined;

  private constructor(
    private readonly port: EtcdPort,
    readonly id: string,
    data: LeaseThreadData,
    bridge: KeptLease,
    worker: Worker,
  ) {
    this.bridge = bridge;
    bridge.onLost((err) => this.lose(err));
    this.worker = worker;
    this.worker.unref();
    this.worker.on('message', (message: LeaseThreadMessage) => {
      if (message.kind === 'ready') this.endBridge();
      else this.lose(new LeaseLostError(id, message.why));
    });
    this.worker.on('error', (err) => this.threadEnded(data.ttlSec, `failed: ${err.message}`));
    this.worker.on('exit', (code) => this.threadEnded(data.ttlSec, `ended (exit code ${code})`));
    this.beat = setInterval(() => this.worker.postMessage('beat'), BEAT_MS);
    this.beat.unref();
  }

  /** Grants a lease of `ttlSec` on `port` and starts its keepalive thread, which connects as `connection` says. */
  static async grant(port: EtcdPort, ttlSec: number, connection: LeaseConnection, stallMs = stallLimitMs(ttlSec)): Promise<ThreadedLease> {
    return await ThreadedLease.takeOver(port, await KeptLease.grant(port, ttlSec), ttlSec, connection, stallMs);
  }

  /** Moves the keepalives of a lease this thread keeps (`kept`, of `ttlSec`) to a thread of their own; `kept` goes on
   * until the thread's first keepalive went through, then stops (it is released, not revoked). */
  static async takeOver(port: EtcdPort, kept: KeptLease, ttlSec: number, connection: LeaseConnection, stallMs = stallLimitMs(ttlSec)): Promise<ThreadedLease> {
    // Loaded here, not with the registry: a CLI command never leads, and loads less.
    const { Worker } = await import('node:worker_threads');
    const data: LeaseThreadData = { ...connection, leaseId: kept.id, ttlSec, stallLimitMs: stallMs };
    // Plain Node (no flags or loaders of the process: the file is built JavaScript) and a small heap: the thread
    // holds one connection and a timer.
    const worker = new Worker(leaseWorkerFile(), { workerData: data, execArgv: [], resourceLimits: THREAD_HEAP_LIMITS });
    return new ThreadedLease(port, kept.id, data, kept, worker);
  }

  onLost(listener: (err: Error) => void): void {
    if (this.lostWith) listener(this.lostWith);
    else this.listeners.push(listener);
  }

  release(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.endBridge();
    clearInterval(this.beat);
    this.worker.postMessage('stop');
  }

  async revoke(): Promise<void> {
    this.release();
    await this.port.leaseRevoke(this.id);
  }

  /** The thread died without being asked to (it reports a lost lease as a message first): the lease itself may well
   * be alive, so this thread keeps it again, by KeptLease's rules (a lease already expired is lost at its first
   * keepalive). Said once as a process warning: the leader is exposed to its own stalls again. */
  private threadEnded(ttlSec: number, how: string): void {
    if (this.stopped || this.bridge) return;
    process.emitWarning(`the keepalive thread of etcd lease ${this.id} ${how}; keeping the lease from the main thread`, { code: 'FLOTILLA_LEASE_THREAD' });
    const bridge = KeptLease.keep(this.port, this.id, ttlSec);
    bridge.onLost((err) => this.lose(err));
    this.bridge = bridge;
  }

  private endBridge(): void {
    this.bridge?.release();
    this.bridge = undefined;
  }

  /** A loss after release (the thread ending as asked, or a keepalive racing the stop) is no loss. */
  private lose(err: Error): void {
    if (this.stopped) return;
    this.lostWith = err;
    this.release();
    for (const listener of this.listeners.splice(0)) listener(err);
  }
}
