/**
 * Keeps `registry.flotilla` in this machine's /etc/hosts pointing at the machine whose agent publishes the
 * registry unit's endpoint (agent-endpoints/registry.service/<machine>), so the engines pull
 * `registry.flotilla:5000/NAME:TAG` from wherever the registry runs, without a DNS server (docs/registry-images.md).
 * Woken by the endpoint watch; work is serialised. When the registry has no endpoint (its machine died, it is
 * being moved) the last address stays: pulls fail either way, and a registry restarted on the same machine is
 * reachable at once.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { IMAGE_REGISTRY_HOST, IMAGE_REGISTRY_UNIT, type EndpointRegistry, type Subscription } from '@flotilla/core';
import type { Logger } from 'pino';
import { registryEndpoint, withRegistryBlock } from './hosts-block.js';

const RETRY_MS = 5000;

export interface RegistryHostsOptions {
  registry: Pick<EndpointRegistry, 'listEndpoints' | 'watchEndpoints'>;
  logger: Logger;
  /** Default /etc/hosts. */
  hostsFile?: string;
  /** Default `registry.service`. */
  unit?: string;
  /** Default `registry.flotilla`. */
  name?: string;
}

export class RegistryHosts {
  private subscription: Subscription | undefined;
  private chain: Promise<void> = Promise.resolve();
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly hostsFile: string;
  /** Endpoint reads done (each followed by a write when the address changed): tests wait on it. */
  passes = 0;

  constructor(private readonly opts: RegistryHostsOptions) {
    this.hostsFile = opts.hostsFile ?? '/etc/hosts';
  }

  /** Watches the endpoints and writes the current address; etcd being away is retried every 5 s. */
  start(): void {
    void this.subscribe();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.subscription?.close();
    await this.chain;
  }

  /** Resolves when the writes asked for so far are done (tests). */
  idle(): Promise<void> {
    return this.chain;
  }

  private async subscribe(): Promise<void> {
    try {
      const subscription = await this.opts.registry.watchEndpoints(() => this.refresh());
      if (this.stopped) await subscription.close();
      else this.subscription = subscription;
      this.refresh();
    } catch (err) {
      this.opts.logger.warn({ err }, 'registry hosts: cannot watch endpoints; retrying');
      if (!this.stopped) this.retry = setTimeout(() => void this.subscribe(), RETRY_MS).unref();
    }
  }

  private refresh(): void {
    this.chain = this.chain.then(() => this.write()).catch((err: unknown) => {
      this.opts.logger.warn({ err, file: this.hostsFile }, 'registry hosts: not updated');
    });
  }

  private async write(): Promise<void> {
    if (this.stopped) return;
    const endpoint = registryEndpoint(await this.opts.registry.listEndpoints(), this.opts.unit ?? IMAGE_REGISTRY_UNIT);
    this.passes++;
    if (!endpoint) return;
    const current = await fs.readFile(this.hostsFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return '';
      throw err;
    });
    const next = withRegistryBlock(current, endpoint.ip, this.opts.name ?? IMAGE_REGISTRY_HOST);
    if (next === current) return;
    await replaceFile(this.hostsFile, next);
    this.opts.logger.info({ ip: endpoint.ip, machine: endpoint.machineId }, 'registry hosts: image registry address written');
  }
}

/** Atomically (rename) where possible; in place where the file is a mount point (a container's bind-mounted hosts). */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.flotilla-${process.pid}`);
  await fs.writeFile(tmp, text, { mode: 0o644 });
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    if (!['EBUSY', 'EXDEV', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
    await fs.writeFile(file, text);
  }
}
