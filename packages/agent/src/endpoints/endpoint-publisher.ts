/**
 * Publishes `agent-endpoints/<unit>/<machineId>` = {unit, machineId, ip, port} under the machine's lease while a
 * unit that declares a port (endpoint-port.ts) is active here, and removes it when the unit stops or leaves.
 * Fed by the state publisher with every unit state it publishes; the port is read from the unit in the registry
 * once per unit hash. Work is serialised; a failed write is logged and retried every RETRY_MS (at most
 * MAX_RETRIES times) unless a newer state of the unit superseded it.
 */
import type { EndpointRegistry, PresenceLease, UnitCatalog, UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { endpointPort } from './endpoint-port.js';

const RETRY_MS = 2000;
const MAX_RETRIES = 30;

export interface EndpointSink {
  observe(state: UnitStateRecord): void;
  gone(unit: string): void;
  /** A new lease holds none of the old endpoints. */
  reset(): void;
}

export interface EndpointPublisherOptions {
  registry: Pick<UnitCatalog, 'getUnit'> & Pick<EndpointRegistry, 'publishEndpoint' | 'removeEndpoint'>;
  machineId: string;
  ip: string;
  logger: Logger;
  lease: () => PresenceLease | undefined;
}

export class EndpointPublisher implements EndpointSink {
  /** unit → port published. */
  private readonly published = new Map<string, number>();
  /** unit → [hash, port] read from the registry. */
  private readonly ports = new Map<string, [string, number | undefined]>();
  private chain: Promise<void> = Promise.resolve();
  /** unit → the latest work asked for it; a retry runs only while it is still the latest. */
  private readonly latest = new Map<string, () => Promise<void>>();

  constructor(private readonly opts: EndpointPublisherOptions) {}

  observe(state: UnitStateRecord): void {
    this.enqueue(state.unit, () => (state.activeState === 'active' ? this.publish(state.unit, state.hash) : this.remove(state.unit)));
  }

  gone(unit: string): void {
    this.ports.delete(unit);
    this.enqueue(unit, () => this.remove(unit));
  }

  reset(): void {
    this.published.clear();
  }

  /** Resolves when all queued work is done (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private enqueue(unit: string, work: () => Promise<void>, attempt = 0): void {
    this.latest.set(unit, work);
    this.chain = this.chain.then(work).then(
      () => void (this.latest.get(unit) === work && this.latest.delete(unit)),
      (err: unknown) => {
        this.opts.logger.warn({ unit, err, attempt }, 'publishing endpoint failed');
        if (attempt >= MAX_RETRIES) return;
        setTimeout(() => this.latest.get(unit) === work && this.enqueue(unit, work, attempt + 1), RETRY_MS).unref();
      },
    );
  }

  private async portOf(unit: string, hash: string): Promise<number | undefined> {
    const cached = this.ports.get(unit);
    if (cached && cached[0] === hash) return cached[1];
    const record = await this.opts.registry.getUnit(unit);
    const port = record && record.hash === hash ? endpointPort(record.options) : undefined;
    if (record?.hash === hash) this.ports.set(unit, [hash, port]);
    return port;
  }

  private async publish(unit: string, hash: string): Promise<void> {
    const { registry, machineId, ip } = this.opts;
    const lease = this.opts.lease();
    if (lease === undefined) return;
    const port = await this.portOf(unit, hash);
    if (port === undefined) return this.remove(unit);
    if (this.published.get(unit) === port) return;
    await registry.publishEndpoint({ unit, machineId, ip, port }, lease);
    this.published.set(unit, port);
    this.opts.logger.info({ unit, ip, port }, 'endpoint published');
  }

  private async remove(unit: string): Promise<void> {
    if (!this.published.has(unit)) return;
    await this.opts.registry.removeEndpoint(unit, this.opts.machineId);
    this.published.delete(unit);
    this.opts.logger.info({ unit }, 'endpoint removed');
  }
}
