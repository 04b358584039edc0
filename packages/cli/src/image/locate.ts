/**
 * Which registry `flotilla image` talks to and how: the address published for `registry.service`
 * (agent-endpoints, read from etcd) unless --registry names one, always checked as `registry.flotilla` against
 * the cluster's CA (FLOTILLA_CA_FILE / --ca-file), with the CLI's certificate (the registry requires one).
 */
import fs from 'node:fs';
import { EtcdRegistry, IMAGE_REGISTRY_HOST, IMAGE_REGISTRY_UNIT } from '@flotilla/core';
import { registryOptions } from '../connect.js';
import type { GlobalOptions } from '../global-options.js';
import { ImageError } from './errors.js';
import { RegistryClient } from './registry-client.js';

export interface LocateOptions {
  /** `--registry HOST:PORT`. */
  registry?: string;
  timeoutMs: number;
}

/** `host:port` of the running registry unit (lowest machine id of several, as the agents' /etc/hosts pick it). */
export async function registryAddress(globals: GlobalOptions): Promise<string> {
  const etcd = await EtcdRegistry.connect(registryOptions(globals));
  try {
    const endpoints = (await etcd.listEndpoints()).filter((e) => e.unit === IMAGE_REGISTRY_UNIT).sort((a, b) => (a.machineId < b.machineId ? -1 : 1));
    const endpoint = endpoints[0];
    if (!endpoint) throw new ImageError('IMAGE_REGISTRY_UNKNOWN', `no image registry: ${IMAGE_REGISTRY_UNIT} has no published endpoint (not started, or not active)`);
    return `${endpoint.ip.includes(':') ? `[${endpoint.ip}]` : endpoint.ip}:${endpoint.port}`;
  } finally {
    await etcd.close();
  }
}

function readPem(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ImageError('IMAGE_REGISTRY_UNREACHABLE', `cannot read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

export async function openRegistryClient(globals: GlobalOptions, opts: LocateOptions): Promise<RegistryClient> {
  if (opts.registry !== undefined && !/^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/i.test(opts.registry)) {
    throw new ImageError('IMAGE_REGISTRY_UNKNOWN', `--registry: "${opts.registry}" is not HOST:PORT`);
  }
  if (!globals.caFile) {
    throw new ImageError('IMAGE_REGISTRY_UNREACHABLE', 'the registry\'s certificate is checked against the cluster\'s CA: set FLOTILLA_CA_FILE (or --ca-file)');
  }
  const address = opts.registry ?? (await registryAddress(globals));
  return new RegistryClient({
    address, serverName: IMAGE_REGISTRY_HOST, timeoutMs: opts.timeoutMs,
    ca: readPem(globals.caFile, 'the CA file'),
    ...(globals.certFile ? { cert: readPem(globals.certFile, 'the certificate') } : {}),
    ...(globals.keyFile ? { key: readPem(globals.keyFile, 'the key') } : {}),
  });
}
