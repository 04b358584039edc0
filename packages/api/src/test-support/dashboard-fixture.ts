/**
 * The dashboard tests' set-up: the API server on loopback TCP for the whole file (api-server-fixture.ts), the
 * given machines registered, and Debian's Chromium (playwright-core) to open the page; closed afterwards.
 */
import { afterAll, beforeAll } from 'vitest';
import type { EtcdRegistry, MachineRecord } from '@flotilla/core';
import { launchChromium, type Browser } from '../../../../test/support/browser.js';
import { useApiServer } from './api-server-fixture.js';

export interface DashboardFixture {
  registry: EtcdRegistry;
  /** The server's TCP port: the page is `http://127.0.0.1:<port>/`. */
  port: number;
  browser: Browser;
}

export function useDashboard(use: (fixture: DashboardFixture) => void, options: { machines: MachineRecord[]; token?: string }): void {
  let registry: EtcdRegistry;
  let port: number;
  let browser: Browser | undefined;
  useApiServer((f) => {
    registry = f.registry;
    port = f.target.port!;
  }, { listen: 'tcp', per: 'file', token: options.token });
  beforeAll(async () => {
    for (const machine of options.machines) await registry.registerMachine(machine, 30);
    browser = await launchChromium();
    use({ registry, port, browser });
  });
  afterAll(async () => {
    await browser?.close();
  });
}
