/**
 * The dashboard's login and actions in Debian's Chromium (playwright-core) against the real API server (TCP
 * with a token) and a real etcd, no agents: the login form keeps the token in the session and no URL but the
 * event stream's ever carries it; a request without it is refused; a machine is cordoned, drained and uncordoned from
 * its page (confirmation, progress until the stream shows it); a refused scale shows the error's code and hint;
 * a unit is destroyed from its page (Escape cancels first).
 * The whole-cluster half (systemd, journal, scale) is test/cluster/dashboard-actions.test.ts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { EtcdRegistry, type MachineRecord } from '@flotilla/core';
import type { Page } from 'playwright-core';
import { type EtcdHandle, startEtcd } from '../../../../test/harness/etcd.js';
import { launchChromium, type Browser } from '../../../../test/support/browser.js';
import { startApiServer, type ApiServer } from '../api/server.js';

const TOKEN = 'actions-t0ken';
const ID = '4a3f16a7b2c4d6e8f0a1b2c3d4e5f6a7';
const machine: MachineRecord = { id: ID, hostname: 'web-1', ip: '10.0.0.7', metadata: { role: 'web' }, version: 't', startedAt: 0 };
/** Screenshots of the views, kept for people to look at (not in the repository). */
const SHOTS = path.join(os.tmpdir(), 'flotilla-dashboard-screenshots');

let etcd: EtcdHandle;
let registry: EtcdRegistry;
let server: ApiServer;
let browser: Browser;
let base = '';

beforeAll(async () => {
  fs.mkdirSync(SHOTS, { recursive: true });
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: `/dashboard-actions-${process.pid}/` });
  server = await startApiServer({ registry, logger: pino({ level: 'silent' }), version: 't', token: TOKEN, listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] });
  base = `http://127.0.0.1:${(server.addresses[0] as { port: number }).port}`;
  await registry.registerMachine(machine, 30);
  await registry.submitUnit({ name: 'hello.service', options: [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }] });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await registry?.close();
  await etcd?.stop();
});

async function logIn(page: Page, token: string): Promise<void> {
  await page.locator('#login:not([hidden])').waitFor({ timeout: 15_000 });
  await page.fill('#token-input', token);
  await page.click('#login-button');
}

test('login: the form asks for the token, refuses a wrong one, keeps the right one in the session and out of URLs', async () => {
  const page = await browser.context.newPage();
  const urls: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => urls.push(r.url()));
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${base}/`);
  await logIn(page, 'wrong');
  await page.locator('#login-error', { hasText: 'The API refused this token.' }).waitFor({ timeout: 5000 });
  await page.screenshot({ path: path.join(SHOTS, 'login.png') });
  await logIn(page, TOKEN);
  await page.locator(`#machines [data-machine="${ID}"]`).waitFor({ timeout: 15_000 });
  await page.locator('#conn[data-conn="live"]').waitFor({ timeout: 5000 });
  expect(await page.evaluate(() => sessionStorage.getItem('flotilla-token'))).toBe(TOKEN);
  // The machine by hostname, its ID on hover.
  expect(await page.locator(`#machines [data-machine="${ID}"] span`).first().textContent()).toBe('web-1');
  expect(await page.locator(`#machines [data-machine="${ID}"] span`).first().getAttribute('title')).toContain(ID);
  // A request without the token is refused.
  const bare = await page.evaluate(async () => (await fetch('/v2/units')).status);
  expect(bare).toBe(401);
  const withToken = urls.filter((u) => u.includes(TOKEN));
  expect(withToken.map((u) => new URL(u).pathname)).toEqual(['/v2/events/stream']);
  // Logging out forgets it.
  await page.click('#logout');
  await page.locator('#login:not([hidden])').waitFor({ timeout: 5000 });
  expect(await page.evaluate(() => sessionStorage.getItem('flotilla-token'))).toBeNull();
  expect(errors).toEqual([]);
  await page.close();
});

test('a machine is cordoned, uncordoned and drained from its page after confirming, with progress until the stream reports it', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/`);
  await logIn(page, TOKEN);
  await page.locator(`#machines [data-machine="${ID}"]`).waitFor({ timeout: 15_000 });
  // Keyboard: Tab to the machine row and open it with Enter.
  await page.locator(`#machines [data-machine="${ID}"]`).focus();
  await page.keyboard.press('Enter');
  await page.locator('#machine-page:not([hidden]) #machine-facts[data-state="up"]').waitFor({ timeout: 5000 });
  expect(await page.locator('#machine-name').textContent()).toBe('web-1');
  expect(await page.locator('#machine-facts').textContent()).toContain(ID);

  // Cancelled: nothing is asked of the API.
  await page.click('#machine-actions button.cordon');
  await page.locator('#confirm-dialog[open]').waitFor({ timeout: 5000 });
  await page.click('#confirm-cancel');
  expect((await registry.listMachines())[0]?.cordon).toBeUndefined();

  await page.click('#machine-actions button.cordon');
  await page.click('#confirm-ok');
  await page.locator('#progress li[data-action="cordon web-1"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect((await registry.listMachines())[0]?.cordon).toEqual({ since: expect.any(Number) });
  await page.locator('#machine-facts[data-state="cordoned"]').waitFor({ timeout: 5000 });
  await page.screenshot({ path: path.join(SHOTS, 'machine.png') });

  await page.click('#machine-actions button.uncordon');
  await page.locator('#progress li[data-action="uncordon web-1"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect((await registry.listMachines())[0]?.cordon).toBeUndefined();

  // Drain: nothing is placed there, so it is drained at once.
  await page.click('#machine-actions button.drain');
  await page.locator('#confirm-text', { hasText: 'Drain web-1?' }).waitFor({ timeout: 5000 });
  await page.click('#confirm-ok');
  await page.locator('#progress li[data-action="drain web-1"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect((await registry.listMachines())[0]?.cordon).toEqual({ since: expect.any(Number), drain: { startedAt: expect.any(Number) } });
  await page.locator('#machine-facts[data-state="drained"]').waitFor({ timeout: 5000 });
  await page.click('#machine-actions button.uncordon');
  await page.waitForFunction(() => document.querySelectorAll('#progress li[data-action="uncordon web-1"][data-action-state="done"]').length === 2, undefined, { timeout: 15_000 });
  expect((await registry.listMachines())[0]?.cordon).toBeUndefined();
  await page.close();
});

test('a refused action shows the code, message and hint; the unit page shows its file; a phone-sized screen works', async () => {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/`);
  await logIn(page, TOKEN);
  await page.locator('#units [data-unit="hello.service"]').click({ timeout: 15_000 });
  await page.locator('#unit-page:not([hidden]) #unit-name', { hasText: 'hello.service' }).waitFor({ timeout: 5000 });
  await page.locator('#unit-file', { hasText: 'ExecStart=/bin/sleep 1000' }).waitFor({ timeout: 5000 });
  expect(await page.locator('#unit-file').textContent()).toBe('[Service]\nExecStart=/bin/sleep 1000');
  // No agent here runs it: status says so instead of failing.
  await page.locator('#unit-status', { hasText: 'unavailable' }).waitFor({ timeout: 5000 });
  await page.screenshot({ path: path.join(SHOTS, 'unit-phone.png'), fullPage: true });

  // A page of an instance whose template and siblings are all gone: scaling is refused with a hint.
  await page.goto(`${base}/#/unit/${encodeURIComponent('web@1.service')}`);
  await page.locator('#unit-file', { hasText: 'unit file unavailable: unit does not exist' }).waitFor({ timeout: 10_000 });
  await page.fill('#scale-count', '2');
  await page.click('#scale-form button');
  const failed = page.locator('#progress li[data-action="scale web@.service to 2"][data-action-state="failed"]');
  await failed.waitFor({ timeout: 10_000 });
  expect(await failed.textContent()).toBe(
    'scale web@.service to 2 failed: 404 template "web@.service" is not in the registry, nor any instance of it hint: submit it first: flotilla submit units/web@.service',
  );
  expect((await registry.listUnits()).map((u) => u.name)).toEqual(['hello.service']);
  // Nothing is wider than the screen.
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: path.join(SHOTS, 'error-phone.png'), fullPage: true });
  await page.goto(`${base}/#`);
  await page.locator('#units [data-unit="hello.service"]').waitFor({ timeout: 10_000 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: path.join(SHOTS, 'overview-phone.png'), fullPage: true });
  await page.close();
});

test('destroy from the unit page asks first, then the unit is gone from the registry and the page', async () => {
  const page = await browser.context.newPage();
  await page.goto(`${base}/#/unit/hello.service`);
  await logIn(page, TOKEN);
  await page.locator('#unit-facts[data-actual="inactive"]').waitFor({ timeout: 15_000 });
  await page.click('#unit-actions button.destroy');
  await page.locator('#confirm-text', { hasText: 'Destroy hello.service?' }).waitFor({ timeout: 5000 });
  // Escape cancels, as the dialog's Cancel.
  await page.keyboard.press('Escape');
  expect((await registry.listUnits()).map((u) => u.name)).toEqual(['hello.service']);
  await page.click('#unit-actions button.destroy');
  await page.click('#confirm-ok');
  await page.locator('#progress li[data-action="destroy hello.service"][data-action-state="done"]').waitFor({ timeout: 15_000 });
  expect(await registry.listUnits()).toEqual([]);
  await page.locator('#unit-facts[data-actual="destroyed"]').waitFor({ timeout: 5000 });
  await page.close();
});
