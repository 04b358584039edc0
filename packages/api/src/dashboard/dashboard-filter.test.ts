/**
 * The dashboard's unit filter in Debian's Chromium (playwright-core) against the real API server and a real etcd:
 * it matches a unit's name, its machine's ID or hostname, in any case, and its health; and state changes that
 * arrive while a filter is set land in the filtered rows (a shown unit's row changes in place; a unit that comes
 * to match, or stops matching, joins or leaves them).
 */
import { expect, test } from 'vitest';
import type { EtcdRegistry, MachineRecord, PresenceLease } from '@flotilla/core';
import type { Browser } from '../../../../test/support/browser.js';
import { useDashboard } from '../test-support/dashboard-fixture.js';

const ID_A = 'a1a1f16a7b2c4d6e8f0a1b2c3d4e5f6a';
const ID_B = 'b2b2e6f3d9a8b7c6d5e4f3a2b1c0d9e8';
const machine = (id: string, hostname: string): MachineRecord => ({ id, hostname, ip: '10.0.0.1', metadata: {}, version: 't', startedAt: 0 });
const PLACES: Record<string, string> = { 'web-1.service': ID_A, 'web-2.service': ID_A, 'web-3.service': ID_A, 'web-4.service': ID_A, 'db-1.service': ID_B };

let registry: EtcdRegistry;
let browser: Browser;
let port = 0;
useDashboard((d) => ({ registry, port, browser } = d), { machines: [] });

test('the unit filter matches names, machine IDs and hostnames and health; live changes land in the filtered rows', async () => {
  const leases = new Map<string, PresenceLease>();
  leases.set(ID_A, await registry.registerMachine(machine(ID_A, 'alpha'), 30));
  leases.set(ID_B, await registry.registerMachine(machine(ID_B, 'Bravo'), 30));
  const publish = (unit: string, activeState: string) => {
    const machineId = PLACES[unit] as string;
    return registry.publishState({ unit, machineId, hash: 'h', loadState: 'loaded', activeState, subState: '', updatedAt: Date.now() }, leases.get(machineId) as PresenceLease);
  };
  for (const [name, machineId] of Object.entries(PLACES)) {
    const unit = await registry.submitUnit({ name, options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }] }, { desiredState: 'launched' });
    await registry.assign(unit, (await registry.snapshot()).unitRevisions.get(name) as string, machineId);
    await publish(name, 'active');
  }

  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  const shown = (text: string) => page.waitForFunction((t) => document.querySelector('#unit-shown')?.textContent === t, text, { timeout: 15_000 });
  const names = () => page.locator('#units .row:not([hidden])').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-unit')));
  const health = (unit: string, h: string) => page.locator(`#units [data-unit="${unit}"][data-health="${h}"]`).waitFor({ timeout: 15_000 });
  await shown('5 of 5');

  await page.fill('#unit-search', 'bravo');
  await shown('1 of 5');
  await expect.poll(names, { timeout: 15_000 }).toEqual(['db-1.service']);
  await page.fill('#unit-search', ID_B.slice(8, 16).toUpperCase());
  await shown('1 of 5');
  await page.fill('#unit-search', 'WEB-');
  await shown('4 of 5');
  await expect.poll(names, { timeout: 15_000 }).toEqual(['web-1.service', 'web-2.service', 'web-3.service', 'web-4.service']);

  // A shown unit changes: its row does, and the filtered rows stay as they were.
  await publish('web-2.service', 'failed');
  await health('web-2.service', 'failed');
  await shown('4 of 5');

  await page.fill('#unit-search', '');
  await page.selectOption('#unit-health', 'problem');
  await shown('1 of 5');
  await expect.poll(names, { timeout: 15_000 }).toEqual(['web-2.service']);
  // A unit that comes to match joins the rows; one that stops matching leaves them.
  await publish('web-3.service', 'failed');
  await shown('2 of 5');
  await expect.poll(names, { timeout: 15_000 }).toEqual(['web-2.service', 'web-3.service']);
  await publish('web-2.service', 'active');
  await shown('1 of 5');
  await expect.poll(names, { timeout: 15_000 }).toEqual(['web-3.service']);
  expect(errors).toEqual([]);
});
