/**
 * Publishes `agent-endpoints/<unit>/<machineId>` = {unit, machineId, ip, port} under the machine's lease while a
 * unit that declares a port (endpoint-port.ts) is active here and ready, and removes it when the unit stops, leaves
 * or its checks stop passing. Ready is core's `readyForTraffic`: a unit with a `HealthCheck=` (or a container with
 * a `HealthCmd=`) only once its checks pass, so a load balancer or a DNS answer never sends traffic to an instance
 * that is still starting or failing its checks (docs/discovery.md, "Only ready instances").
 * Fed by the state publisher with every unit state it publishes; the port is read from the unit in the registry
 * once per unit hash, with its discovery name (service, project: docs/discovery.md). Work is serialised; a failed write is logged and retried every RETRY_MS (at most
 * MAX_RETRIES times) unless a newer state of the unit superseded it.
 */
import { declaredChecks, discoveryName, readyForTraffic, type DeclaredChecks, type DiscoveryName, type EndpointRegistry, type PresenceLease, type UnitCatalog, type UnitStateRecord } from '@flotilla/core';
import type { Logger } from 'pino';
import { endpointPort } from './endpoint-port.js';

const RETRY_MS = 2000;
const MAX_RETRIES = 30;

/** What an endpoint says besides unit, machine and IP. */
type Published = { port: number } & Partial<DiscoveryName>;

/** What a unit's record at `hash` says: what to publish (none without a port) and the checks it declares. */
interface RecordReading {
  hash: string;
  published: Published | undefined;
  checks: DeclaredChecks;
}

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
  /** unit → what was published (port and name), as a comparable key. */
  private readonly published = new Map<string, string>();
  /** unit → what its record says, read once per hash. */
  private readonly readings = new Map<string, RecordReading>();
  private chain: Promise<void> = Promise.resolve();
  /** unit → the latest work asked for it; a retry runs only while it is still the latest. */
  private readonly latest = new Map<string, () => Promise<void>>();

  constructor(private readonly opts: EndpointPublisherOptions) {}

  observe(state: UnitStateRecord): void {
    this.enqueue(state.unit, () => (state.activeState === 'active' ? this.publish(state) : this.remove(state.unit)));
  }

  gone(unit: string): void {
    this.readings.delete(unit);
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

  private async readingOf(unit: string, hash: string): Promise<RecordReading | undefined> {
    const cached = this.readings.get(unit);
    if (cached?.hash === hash) return cached;
    const record = await this.opts.registry.getUnit(unit);
    if (record?.hash !== hash) return undefined;
    const port = endpointPort(record.options);
    const read = { hash, published: port === undefined ? undefined : { port, ...discoveryName(unit, record.options) }, checks: declaredChecks(unit, record.options) };
    this.readings.set(unit, read);
    return read;
  }

  private async publish(state: UnitStateRecord): Promise<void> {
    const { registry, machineId, ip } = this.opts;
    const unit = state.unit;
    const lease = this.opts.lease();
    if (lease === undefined) return;
    const read = await this.readingOf(unit, state.hash);
    if (read?.published === undefined || !readyForTraffic(state, read.checks)) return this.remove(unit);
    const what = read.published;
    const key = JSON.stringify(what);
    if (this.published.get(unit) === key) return;
    await registry.publishEndpoint({ unit, machineId, ip, ...what }, lease);
    this.published.set(unit, key);
    this.opts.logger.info({ unit, ip, ...what }, 'endpoint published');
  }

  private async remove(unit: string): Promise<void> {
    if (!this.published.has(unit)) return;
    await this.opts.registry.removeEndpoint(unit, this.opts.machineId);
    this.published.delete(unit);
    this.opts.logger.info({ unit }, 'endpoint removed');
  }
}
