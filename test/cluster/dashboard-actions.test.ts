/**
 * The dashboard acting on real machines (docs/ops.md, "Dashboard"), in Debian's Chromium (playwright-core)
 * against the agents' TCP API (TLS and the cluster's token): log in through the form; a request without the
 * token is refused; a journal line written after the page opened arrives in the unit's live journal; a unit
 * stopped from its page is inactive in its machine's systemd, and started again is active; a restart runs a new
 * process; app@ is scaled from
 * 3 to 4 from the page; after a `flotilla deploy` of a second version, app@ is rolled back from its service page and
 * its instances run the first version's command again in their machines' systemd. Screenshots of the views go to /tmp/flotilla-dashboard-screenshots/ (cluster-*.png).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Machine } from '../harness/machines.js';
import { agentApiClient, type AgentApiClient } from '../support/agent-api.js';
import { launchChromium, type Browser } from '../support/browser.js';
import { cliFor, tableRows } from '../support/cli.js';

const API_PORT = 54729;
export const SCREENSHOT_DIR = '/tmp/flotilla-dashboard-screenshots';
/** Echoes every line appended to /run/echo-in to its journal: a line the test writes, at a moment it chooses. */
const ECHO_UNIT = '[Service]\nExecStart=/bin/sh -c "touch /run/echo-in; exec tail -n0 -F /run/echo-in"\n';
// A fast strategy, so the deployment and the rollback (which uses the strategy of the version it goes back to,
// docs/deployments.md) take seconds: every instance at once, healthy after 1 s.
const FAST = '[X-Flotilla]\nMaxParallel=4\nMinHealthyTime=1s\n';
const APP_TEMPLATE = `[Service]\nExecStart=/bin/sleep infinity\n${FAST}`;
const APP_V2 = `[Service]\nExecStart=/bin/sleep 100000\n${FAST}`;

async function isActive(machine: Machine, unit: string): Promise<string> {
  return (await machine.exec(['systemctl', 'is-active', unit], { timeoutMs: 5000 })).stdout.trim();
}

async function actionDone(page: Page, label: string): Promise<void> {
  const item = page.locator(`#progress li[data-action="${label}"]:not([data-action-state="pending"])`).first();
  await item.waitFor({ timeout: 60_000 });
  expect([await item.getAttribute('data-action-state'), await item.textContent()]).toEqual(['done', expect.stringContaining(`${label}: done`)]);
}

describe('dashboard actions on a real cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let client: AgentApiClient;
  let browser: Browser | undefined;
  let page: Page;
  /** The machine running echo.service, whose agent serves the page (status and journal are served there). */
  let host: Machine;
  let base: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-dashboard-units-'));

  beforeAll(async () => {
    cluster = await startCluster({ machines: 2, ttlSec: 5, agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` } });
    cli = cliFor(cluster.cliEnv);
    client = agentApiClient(cluster);
    await waitUntil('both agents to register', async () => (tableRows((await cli(['list-machines', '--no-legend'])).stdout).length === 2 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'echo.service'), ECHO_UNIT);
    fs.writeFileSync(path.join(tmp, 'app@.service'), APP_TEMPLATE);
    expect((await cli(['start', path.join(tmp, 'echo.service')])).code).toBe(0);
    expect((await cli(['scale', path.join(tmp, 'app@.service'), '3'])).code).toBe(0);
    const first = cluster.machines[0] as Machine;
    const unit = await client.request('GET', `https://${first.ip}:${API_PORT}/fleet/v1/units/echo.service`);
    const machineId = (unit.json as { machineID?: string }).machineID;
    host = cluster.machines.find((m) => m.id === machineId) as Machine;
    if (!host) throw new Error(`echo.service is on no machine of the cluster: ${unit.text}`);
    base = `https://${host.ip}:${API_PORT}`;
    browser = await launchChromium({ ignoreHTTPSErrors: true });
    page = await browser.context.newPage();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('log in through the form; a request without the token is refused', async () => {
    // What the page was answered, for the failure message: the login form shows only after the stream is refused
    // and the page's probe gets a 401.
    const answers: string[] = [];
    page.on('response', (r) =>
      void Promise.all([r.serverAddr().catch(() => null), r.securityDetails().catch(() => null)]).then(([addr, tls]) =>
        answers.push(`${r.request().method()} ${r.url().replace(client.token, '<token>')} ${r.status()} from ${addr ? `${addr.ipAddress}:${addr.port}` : '?'} cert ${tls?.subjectName ?? '?'} server ${r.headers()['server'] ?? '?'}`),
      ),
    );
    await page.goto(`${base}/`, { timeout: 15_000 });
    await page.locator('#login:not([hidden])').waitFor({ timeout: 30_000 }).catch((err: Error) => {
      throw new Error(`${err.message}; the page was answered: ${answers.join(', ')}`);
    });
    await page.fill('#token-input', client.token);
    await page.click('#login-button');
    await page.locator('#units [data-unit="echo.service"][data-actual="launched"]').waitFor({ timeout: 20_000 });
    await page.locator('#units [data-unit="app@3.service"][data-actual="launched"]').waitFor({ timeout: 20_000 });
    // Machines by hostname.
    expect(await page.locator(`#machines [data-machine="${host.id}"] span`).first().textContent()).toBe(host.name);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'cluster-overview.png') });
    const fromPage = await page.evaluate(async () => {
      const res = await fetch('/fleet/v1/units', { cache: 'no-store' });
      return `${res.status} ${res.url} ${(await res.text()).slice(0, 200)}`;
    });
    expect(fromPage).toBe(`401 ${base}/fleet/v1/units {"error":{"code":401,"message":"missing or invalid bearer token"}}`);
    const bare = await client.request('PUT', `${base}/fleet/v1/units/echo.service`, { body: { desiredState: 'loaded' }, token: null });
    expect(bare.status).toBe(401);
    expect(await isActive(host, 'echo.service')).toBe('active');
  });

  test('the unit page follows its journal: a line written after the page opened shows', async () => {
    await page.locator('#units [data-unit="echo.service"]').click();
    await page.locator('#unit-page:not([hidden]) #unit-name', { hasText: 'echo.service' }).waitFor({ timeout: 10_000 });
    await page.locator('#unit-status', { hasText: 'echo.service' }).waitFor({ timeout: 10_000 });
    // The follow is open once the journal's first lines (the unit's start) are in.
    await page.locator('#unit-journal div').first().waitFor({ timeout: 15_000 });
    const marker = `dashboard-follow-${Date.now()}`;
    expect((await host.exec(['sh', '-c', `echo ${marker} >> /run/echo-in`], { timeoutMs: 5000 })).code).toBe(0);
    await page.locator('#unit-journal div', { hasText: marker }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#unit-facts').textContent()).toContain(host.name);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'cluster-unit.png'), fullPage: true });
  });

  test('stop from the page: inactive in its machine\'s systemd; start again: active', async () => {
    await page.click('#unit-actions button.stop');
    await page.locator('#confirm-dialog[open]').waitFor({ timeout: 5000 });
    await page.click('#confirm-ok');
    await actionDone(page, 'stop echo.service');
    expect(await isActive(host, 'echo.service')).toBe('inactive');
    await page.locator('#unit-facts[data-actual="loaded"]').waitFor({ timeout: 10_000 });

    await page.click('#unit-actions button.start');
    await actionDone(page, 'start echo.service');
    expect(await isActive(host, 'echo.service')).toBe('active');
  });

  test('restart from the page: systemd ran a new process', async () => {
    const before = (await host.systemctlShow('echo.service', ['MainPID'])).MainPID;
    await page.click('#unit-actions button.restart');
    await page.click('#confirm-ok');
    await actionDone(page, 'restart echo.service');
    const after = await host.systemctlShow('echo.service', ['MainPID', 'ActiveState']);
    expect(after.ActiveState).toBe('active');
    expect(after.MainPID).not.toBe(before);
  });

  test('scale app@ from 3 to 4 from the page', async () => {
    await page.goto(`${base}/#/unit/${encodeURIComponent('app@1.service')}`);
    await page.locator('#unit-name', { hasText: 'app@1.service' }).waitFor({ timeout: 15_000 });
    // The count starts at what runs now.
    await page.waitForFunction(() => (document.getElementById('scale-count') as HTMLInputElement | null)?.value === '3', undefined, { timeout: 15_000 });
    await page.fill('#scale-count', '4');
    await page.click('#scale-form button');
    await actionDone(page, 'scale app@.service to 4');
    const rows = tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,machine,active'])).stdout);
    const app4 = rows.find((r) => r[0] === 'app@4.service');
    expect(app4?.[2]).toBe('active');
    const where = cluster.machines.find((m) => app4?.[1]?.startsWith(m.id.slice(0, 8)));
    expect(where && (await isActive(where, 'app@4.service'))).toBe('active');
    expect(rows.filter((r) => /^app@\d+\.service$/.test(r[0] ?? '')).map((r) => r[0])).toEqual(['app@1.service', 'app@2.service', 'app@3.service', 'app@4.service']);
    await page.goto(`${base}/#/machine/${host.id}`);
    await page.locator('#machine-facts[data-state="up"]').waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'cluster-machine.png'), fullPage: true });
  });

  test('roll app@ back from its service page: its instances run the first version again', async () => {
    fs.mkdirSync(path.join(tmp, 'v2'), { recursive: true });
    fs.writeFileSync(path.join(tmp, 'v2', 'app@.service'), APP_V2);
    const deployed = await cli(['deploy', path.join(tmp, 'v2', 'app@.service')]);
    expect(deployed.code, deployed.stderr).toBe(0);
    await page.goto(`${base}/#/service/${encodeURIComponent('app@.service')}`);
    await page.locator('#service-facts[data-state="succeeded"]').waitFor({ timeout: 15_000 });
    await page.click('#service-actions button.rollback');
    await page.click('#confirm-ok');
    await actionDone(page, 'roll back app@.service');
    // The stream shows the rollback through to its end, and the history marks the first version healthy again.
    await page.locator('#service-facts[data-state="succeeded"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#service-facts').textContent()).toContain('(rollback)');
    const rows = tableRows((await cli(['list-units', '--no-legend', '--fields', 'unit,machine'])).stdout).filter((r) => /^app@\d+\.service$/.test(r[0] ?? ''));
    expect(rows).toHaveLength(4);
    for (const [unit, machine] of rows) {
      const where = cluster.machines.find((m) => machine?.startsWith(m.id.slice(0, 8))) as Machine;
      const shown = await where.systemctlShow(unit as string, ['ExecStart', 'ActiveState']);
      expect([unit, shown.ActiveState, shown.ExecStart]).toEqual([unit, 'active', expect.stringContaining('/bin/sleep infinity')]);
    }
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'cluster-service.png'), fullPage: true });
  });
});
