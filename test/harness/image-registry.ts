/**
 * Debian's docker-registry on loopback for the `flotilla image` tests, run with the shipped
 * units/registry/config.yml (TLS and client certificates from a test PKI) with only its paths and address
 * changed: what the tests talk to is what units/registry.service runs. Stop kills it and removes its storage.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitForPort } from './ports.js';
import { isAlive, killAndWait, startDaemon } from './processes.js';

export const SHIPPED_REGISTRY_CONFIG = path.resolve(import.meta.dirname, '../../units/registry/config.yml');

export interface LoopbackRegistry {
  /** `127.0.0.1:PORT`. */
  address: string;
  port: number;
  dir: string;
  log(): string;
  /** Stops the registry (its storage stays until remove). */
  stop(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
  remove(): Promise<void>;
}

/** The shipped config with the PKI directory, storage and listen address replaced. */
export function registryConfig(pkiDir: string, dataDir: string, addr: string): string {
  const text = fs.readFileSync(SHIPPED_REGISTRY_CONFIG, 'utf8');
  const out = text.replaceAll('/etc/flotilla/pki', pkiDir).replace('/var/lib/flotilla-registry', dataDir).replace('addr: :5000', `addr: ${addr}`);
  if (!out.includes(`addr: ${addr}`) || !out.includes(dataDir)) throw new Error('units/registry/config.yml changed shape: update test/harness/image-registry.ts');
  return out;
}

export async function startLoopbackRegistry(pkiDir: string): Promise<LoopbackRegistry> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-registry-'));
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const config = path.join(dir, 'config.yml');
  fs.writeFileSync(config, registryConfig(pkiDir, path.join(dir, 'data'), address));
  const logFile = path.join(dir, 'registry.log');
  let pid: number | undefined;
  const start = async () => {
    pid = startDaemon('docker-registry', ['serve', config], logFile).pid!;
    try {
      await waitForPort('127.0.0.1', port, 20_000);
    } catch (err) {
      throw new Error(`docker-registry did not listen on ${address}: ${fs.readFileSync(logFile, 'utf8').slice(-2000)}`, { cause: err });
    }
  };
  const stop = async () => {
    if (pid !== undefined && isAlive(pid)) await killAndWait(pid, 3000);
    pid = undefined;
  };
  try {
    await start();
  } catch (err) {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    address, port, dir, stop, restart: start,
    log: () => fs.readFileSync(logFile, 'utf8'),
    async remove() {
      await stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
