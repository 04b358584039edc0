/**
 * Dashboard actions on a real cluster (docs/ops.md, "Dashboard"): two nspawn machines with agents serving their
 * TCP API (TLS + token), Debian's Chromium logged in on the page of a unit. Each round stops the unit from its
 * page (click, confirm) and starts it again (click); timed by the page from the click (the confirm's, for stop)
 * until the event stream shows the result in the page (stopped: not `launched`; started: `launched`). Includes
 * the API request, the agent's systemd job and state publication, and the health hub's debounce (200 ms).
 * Usage: npm run bench -- dashboard-actions [ROUNDS=20]
 */
import { startCluster } from '../test/harness/cluster.js';
import { waitUntil } from '../test/harness/exec.js';
import { agentApiClient } from '../test/support/agent-api.js';
import { launchChromium } from '../test/support/browser.js';
import { cliFor, tableRows } from '../test/support/cli.js';
import { figure, percentile } from './stats.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROUNDS = Number(process.argv[2] ?? 20);
const API_PORT = 54730;
const UNIT = 'action-bench.service';

type Timing = { label: string; ms: number };
/** The page's own record of finished actions (dashboard.js: `window.__flotilla.actions`). */
const pageTimings = () => (window as unknown as { __flotilla: { actions: Timing[] } }).__flotilla.actions;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-bench-actions-'));
const cluster = await startCluster({ machines: 2, ttlSec: 5, agentEnv: { FLOTILLA_API_LISTEN: `0.0.0.0:${API_PORT}` }, log: (l) => process.stderr.write(`bench: ${l}\n`) });
const browser = await launchChromium({ ignoreHTTPSErrors: true }).catch(async (err: unknown) => {
  await cluster.stop();
  throw err;
});
try {
  const cli = cliFor(cluster.cliEnv);
  const client = agentApiClient(cluster);
  await waitUntil('both agents', async () => (tableRows((await cli(['list-machines', '--no-legend'])).stdout).length === 2 ? true : undefined), { timeoutMs: 60_000 });
  fs.writeFileSync(path.join(tmp, UNIT), '[Service]\nExecStart=/bin/sleep infinity\n');
  const started = await cli(['start', path.join(tmp, UNIT)]);
  if (started.code !== 0) throw new Error(`start failed: ${started.stderr}`);
  const unit = await client.request('GET', `https://${cluster.machines[0]!.ip}:${API_PORT}/fleet/v1/units/${UNIT}`);
  const host = cluster.machines.find((m) => m.id === (unit.json as { machineID?: string }).machineID) ?? cluster.machines[0]!;
  const page = await browser.context.newPage();
  await page.goto(`https://${host.ip}:${API_PORT}/#/unit/${UNIT}`, { timeout: 30_000 });
  await page.fill('#token-input', client.token);
  await page.click('#login-button');
  await page.locator('#unit-facts[data-actual="launched"]').waitFor({ timeout: 30_000 });

  const finished = async (n: number) => {
    await page.waitForFunction(
      (count) => (window as unknown as { __flotilla: { actions: Timing[] } }).__flotilla.actions.length >= count || document.querySelector('#progress li[data-action-state="failed"], #progress li[data-action-state="timeout"]') !== null,
      n,
      { timeout: 130_000 },
    );
    const failed = await page.locator('#progress li[data-action-state="failed"], #progress li[data-action-state="timeout"]').allTextContents();
    if (failed.length > 0) throw new Error(`action failed: ${failed.join('; ')}`);
  };
  for (let round = 0; round < ROUNDS; round++) {
    await page.click('#unit-actions button.stop');
    await page.click('#confirm-ok');
    await finished(2 * round + 1);
    await page.click('#unit-actions button.start');
    await finished(2 * round + 2);
  }
  const timings = await page.evaluate(pageTimings);
  const of = (verb: string) => timings.filter((t) => t.label.startsWith(`${verb} `)).map((t) => t.ms);
  figure('dashboard_action_rounds', ROUNDS, 'count');
  for (const verb of ['stop', 'start']) {
    figure(`dashboard_action_${verb}_p50`, Math.round(percentile(of(verb), 50)), 'ms');
    figure(`dashboard_action_${verb}_p99`, Math.round(percentile(of(verb), 99)), 'ms');
  }
  const all = timings.map((t) => t.ms);
  figure('dashboard_action_p50', Math.round(percentile(all, 50)), 'ms');
  figure('dashboard_action_p99', Math.round(percentile(all, 99)), 'ms');
} finally {
  await browser.close();
  await cluster.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
}
