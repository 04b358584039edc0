/**
 * The ops views on real machines (docs/ops.md): every agent serves the dashboard, /v2/health and /metrics on its
 * TCP API (TLS and the cluster's token; the page gets the token as `#token=`). Debian's Chromium (playwright-core) watches the page change live when a unit is stopped and when
 * one fails; `flotilla health` exits 0 (listing a service scaled to 2), then 2; a /metrics scrape passes `promtool check metrics`.
 * Screenshots go to /tmp/flotilla-ops-screenshots/.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_DIR, startCluster, type Cluster } from '../harness/cluster.js';
import { waitUntil } from '../harness/exec.js';
import type { Page } from 'playwright-core';
import { agentApiClient, type AgentApiClient } from '../support/agent-api.js';
import { launchChromium, type Browser } from '../support/browser.js';
import { cliFor, tableRows } from '../support/cli.js';

const API_PORT = 54728;
export const SCREENSHOT_DIR = '/tmp/flotilla-ops-screenshots';

let client: AgentApiClient;
async function scrape(base: string): Promise<string> {
  const res = await client.request('GET', `${base}/metrics`);
  expect(res.status).toBe(200);
  return res.text;
}
/** Waits for `selector`; on timeout the error lists what the unit rows said instead. */
async function waitFor(page: Page, selector: string, timeout = 20_000): Promise<void> {
  try {
    await page.locator(selector).first().waitFor({ timeout });
  } catch (err) {
    const rows = await page.locator('#units .row:not([hidden])').evaluateAll((els) => els.map((e) => JSON.stringify((e as HTMLElement).dataset)));
    throw new Error(`${selector} did not appear; rows: ${rows.join(' ')}`, { cause: err });
  }
}
const sample = (text: string, series: string) => Number(text.split('\n').find((l) => l.startsWith(`${series} `))?.split(' ')[1]);

describe('ops views on a real cluster', () => {
  let cluster: Cluster;
  let cli: ReturnType<typeof cliFor>;
  let browser: Browser | undefined;
  /** The dashboard page opened by the Chromium test and kept open for the later ones. */
  let page: Page | undefined;
  let base: string;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-ops-units-'));

  beforeAll(async () => {
    cluster = await startCluster({ machines: 2, ttlSec: 5, agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` } });
    cli = cliFor(cluster.cliEnv);
    client = agentApiClient(cluster);
    base = `https://${cluster.machines[0]?.ip}:${API_PORT}`;
    await waitUntil('both agents to register', async () => (tableRows((await cli(['list-machines', '--no-legend'])).stdout).length === 2 ? true : undefined), {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    fs.writeFileSync(path.join(tmp, 'broken.service'), '[Service]\nType=oneshot\nExecStart=/bin/false\n');
  });
  afterAll(async () => {
    await browser?.close();
    await cluster?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('metrics: gauges, placement latency and promtool', async () => {
    // No scrape before the start: the placement timer runs from agent start (daemon/run.ts startOpsMetrics).
    expect((await cli(['start', path.join(REPO_DIR, 'units/hello.service')])).code).toBe(0);
    const text = await waitUntil('hello.service to count as ok in /metrics', async () => {
      const t = await scrape(base);
      return sample(t, 'flotilla_units{health="ok"}') === 1 ? t : undefined;
    }, { timeoutMs: 30_000, intervalMs: 300 });
    expect(sample(text, 'flotilla_machines{status="up"}')).toBe(2);
    expect(sample(text, 'flotilla_scheduler_leader')).toBe(1);
    expect(sample(text, 'flotilla_placement_latency_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 10_000 })).toBe('');
  });

  test('flotilla health exits 0 on a healthy cluster and lists its service', async () => {
    expect((await cli(['scale', path.join(REPO_DIR, 'units/web@.service'), '2'])).code).toBe(0);
    const serviceLine = /^ {2}web@\.service +2\/2 running, version [0-9a-f]{7}$/m;
    const healthy = await waitUntil('health to be ok, web@ running 2 of 2', async () => {
      const r = await cli(['health']);
      return r.code === 0 && serviceLine.test(r.stdout) ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(healthy.stdout.split('\n').slice(0, 3)).toEqual(['Cluster: OK', expect.stringMatching(/^Leader: [0-9a-f]{32}$/), 'Machines: 2 up, 0 down']);
    expect(healthy.stdout).toContain('\nServices:\n');
    // What the machines' systemd runs: one instance each (Conflicts=web@*.service).
    const active = await Promise.all(cluster.machines.map(async (m) => (await m.exec(['systemctl', 'list-units', 'web@*', '--state=active', '--no-legend', '--plain'], { timeoutMs: 10_000 })).stdout.trim().split('\n').filter(Boolean).length));
    expect(active).toEqual([1, 1]);
  });

  test('the dashboard follows a stopped unit and a failed one live, in Chromium', async () => {
    browser = await launchChromium({ ignoreHTTPSErrors: true });
    page = await browser.context.newPage();
    await page.goto(`${base}/#token=${client.token}`, { timeout: 15_000 });
    await waitFor(page, '[data-unit="hello.service"][data-actual="launched"]');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, '1-running.png') });
    const reloadsBefore = await page.evaluate(() => (window as unknown as { __flotilla: { snapshots: number } }).__flotilla.snapshots);

    expect((await cli(['stop', 'hello.service'])).code).toBe(0);
    await waitFor(page, '[data-unit="hello.service"][data-desired="loaded"][data-actual="loaded"]');

    // start blocks until launched, which a failing unit never is: don't wait for it.
    await cli(['start', '--no-block', path.join(tmp, 'broken.service')]);
    await waitFor(page, '[data-unit="broken.service"][data-health="failed"]', 30_000);
    await page.locator('#status[data-status="attention"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, '2-stopped-and-failed.png') });
    // Live, not reloaded: the same page applied deltas, no new snapshot.
    expect(await page.evaluate(() => (window as unknown as { __flotilla: { snapshots: number } }).__flotilla.snapshots)).toBe(reloadsBefore);
    expect(fs.statSync(path.join(SCREENSHOT_DIR, '2-stopped-and-failed.png')).size).toBeGreaterThan(1000);
  }, 120_000);

  test('flotilla health exits 2 and names the failed unit (-o json too)', async () => {
    const r = await cli(['health']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('unit-failed      broken.service failed on ');
    const json = JSON.parse((await cli(['health', '-o', 'json'])).stdout) as { status: string; problems: { kind: string; subject: string }[] };
    expect(json.status).toBe('attention');
    expect(json.problems.map((p) => `${p.kind} ${p.subject}`)).toContain('unit-failed broken.service');
    // The API driver asks an agent's /v2/health: same model, same verdict.
    const viaApi = await cli(['--driver', 'api', '--endpoint', base, 'health'], { timeoutMs: 30_000 });
    expect([viaApi.code, viaApi.stdout.split('\n')[0]]).toEqual([2, 'Cluster: NEEDS ATTENTION']);
  });

  test('the event log has the scheduler\'s placements and the agent\'s failure, on the page too', async () => {
    const kinds = await waitUntil('placed + unit-failed in /v2/events', async () => {
      const res = await client.request('GET', `${base}/v2/events?limit=50`, { timeoutMs: 5000 });
      const list = (res.json as { events: { kind: string; unit?: string }[] }).events.map((e) => `${e.kind} ${e.unit ?? ''}`);
      return list.includes('placed hello.service') && list.includes('unit-failed broken.service') ? list : undefined;
    }, { timeoutMs: 20_000, intervalMs: 300 });
    expect(kinds).toContain('placed broken.service');
    if (!page) throw new Error('the Chromium test did not open the dashboard');
    await page.locator('#events li.unit-failed').first().waitFor({ timeout: 10_000 });
  });

  test('a killed machine shows as lost: health problem, event, page', async () => {
    const victim = cluster.machines[1];
    if (!victim) throw new Error('need 2 machines');
    await victim.kill();
    const report = await waitUntil('machine-lost in flotilla health', async () => {
      const r = await cli(['health', '-o', 'json']);
      const j = JSON.parse(r.stdout || '{}') as { problems?: { kind: string; subject: string }[] };
      return j.problems?.some((p) => p.kind === 'machine-lost' && p.subject === victim.id) ? { r, j } : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500 });
    expect(report.r.code).toBe(2);
    if (!page) throw new Error('the Chromium test did not open the dashboard');
    await page.locator(`#machines [data-machine="${victim.id}"][data-status="down"]`).waitFor({ timeout: 15_000 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, '3-machine-lost.png') });
  }, 90_000);
});
