/**
 * The dashboard at 1,000 machines × 10,000 units (docs/ops.md): the real API server and ops routes (health hub,
 * diff, SSE) over a synthetic in-memory cluster (bench/dashboard-fixture.ts; etcd reads excluded), and the
 * real page in Debian's Chromium. Figures: server model cost, snapshot size, first render, DOM rows kept,
 * update latency (state change → row changed in the page, hub debounce included), delta apply, filter (input →
 * the frame showing the result) and scroll frame times, long tasks (> 50 ms) while updating.
 * Usage: npm run bench -- dashboard-scale [MACHINES] [UNITS] [UPDATES]
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { buildHealth, readHealthInput, startApiServer } from '@flotilla/api';
import { launchChromium } from '../test/support/browser.js';
import { SyntheticCluster } from './dashboard-fixture.js';
import { figure, percentile } from './stats.js';

const MACHINES = Number(process.argv[2] ?? 1000);
const UNITS = Number(process.argv[3] ?? 10_000);
const UPDATES = Number(process.argv[4] ?? 30);

type PageStats = { snapshots: number; deltas: number; lastApplyMs: number };
declare global {
  interface Window {
    __flotilla: PageStats;
    __longTasks: number[];
  }
}

async function modelCost(cluster: SyntheticCluster): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    buildHealth(await readHealthInput(cluster, Date.now));
    times.push(performance.now() - t0);
  }
  figure('health_model_p50', percentile(times, 50), 'ms');
}

async function main(): Promise<void> {
  const cluster = new SyntheticCluster(MACHINES, UNITS);
  await modelCost(cluster);
  const server = await startApiServer({
    registry: cluster, logger: pino({ level: 'silent' }), version: 'bench',
    listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }],
  });
  const address = server.addresses[0];
  const base = `http://127.0.0.1:${address?.kind === 'tcp' ? address.port : 0}`;
  const browser = await launchChromium({ viewport: { width: 1400, height: 900 } });
  try {
    const health = await fetch(`${base}/v2/health`, { signal: AbortSignal.timeout(30_000) });
    figure('health_json_size', (await health.arrayBuffer()).byteLength / 1024, 'KiB');

    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries().map((e) => e.duration))).observe({ type: 'longtask', buffered: true });
    });
    const t0 = performance.now();
    await page.goto(`${base}/`, { timeout: 60_000 });
    await page.waitForFunction(() => window.__flotilla?.snapshots === 1 && document.querySelector('[data-unit="app-00000.service"]') !== null, undefined, { timeout: 60_000 });
    figure('dashboard_first_render', performance.now() - t0, 'ms');
    figure('dashboard_unit_rows_in_dom', await page.locator('#units .row').count(), 'rows');
    await page.evaluate(() => (window.__longTasks = []));

    const latencies: number[] = [];
    const applies: number[] = [];
    const failed = new Set<string>();
    for (let i = 0; i < UPDATES; i++) {
      // Ten visible units, each flipped failed → ok → failed …: every update is a real change.
      const unit = `app-${String(i % 10).padStart(5, '0')}.service`;
      const want = failed.has(unit) ? 'ok' : 'failed';
      if (want === 'failed') failed.add(unit);
      else failed.delete(unit);
      const t = performance.now();
      cluster.setActive(unit, want === 'failed' ? 'failed' : 'active');
      await page.waitForFunction(([u, h]) => document.querySelector(`[data-unit="${u}"]`)?.getAttribute('data-health') === h, [unit, want], { timeout: 30_000, polling: 'raf' });
      latencies.push(performance.now() - t);
      applies.push(await page.evaluate(() => window.__flotilla.lastApplyMs));
      // Past the hub's debounce window, so each change is its own update.
      await page.waitForTimeout(250);
    }
    figure('dashboard_update_latency_p50', percentile(latencies, 50), 'ms');
    figure('dashboard_update_latency_p99', percentile(latencies, 99), 'ms');
    figure('dashboard_delta_apply_p99', percentile(applies, 99), 'ms');
    const longTasks = await page.evaluate(() => window.__longTasks);
    figure('dashboard_long_tasks_during_updates', longTasks.length, 'tasks');
    figure('dashboard_longest_task_during_updates', longTasks.length ? Math.max(...longTasks) : 0, 'ms');

    // The search text goes in at the start of a frame (in a requestAnimationFrame callback), as a keystroke lands
    // between frames. `frame`: input → the frame whose callbacks drew the result (a callback queued after the
    // list's), by frame timestamps: 16.7 ms when filtering lands in the next frame, 33.3 when it takes two.
    // `work`: the page's own time for it (the input handler, then that frame's callbacks up to the drawn rows).
    // `twoFrames`: input → two frames later, the figure's definition until 2026-12-05 (33 ms at best).
    const filters = await page.evaluate(async () => {
      const input = document.getElementById('unit-search') as HTMLInputElement;
      const out: { frame: number; work: number; twoFrames: number }[] = [];
      for (const q of ['app-09', 'app-099', 'app-0999', 'm0007', '', 'app-1', 'zzz', '']) {
        out.push(await new Promise((resolve) => requestAnimationFrame((start) => {
          const t = performance.now();
          input.value = q;
          input.dispatchEvent(new Event('input'));
          const handler = performance.now() - t;
          requestAnimationFrame((drawn) => {
            const work = handler + performance.now() - drawn;
            requestAnimationFrame(() => resolve({ frame: drawn - start, work, twoFrames: performance.now() - t }));
          });
        })));
      }
      return out;
    });
    figure('dashboard_filter_p50', percentile(filters.map((f) => f.frame), 50), 'ms');
    figure('dashboard_filter_max', Math.max(...filters.map((f) => f.frame)), 'ms');
    figure('dashboard_filter_work_p50', percentile(filters.map((f) => f.work), 50), 'ms');
    figure('dashboard_filter_two_frames_p50', percentile(filters.map((f) => f.twoFrames), 50), 'ms');

    // Baseline: frame gaps of this headless, software-rendered Chromium with nothing changing.
    const frameGaps = (scroll: boolean) => page.evaluate(async (scrolling) => {
      const list = document.getElementById('units') as HTMLElement;
      const gaps: number[] = [];
      let last = performance.now();
      for (let i = 0; i < 120; i++) {
        if (scrolling) list.scrollTop = ((i * 7919) % 1000) / 1000 * list.scrollHeight;
        await new Promise((r) => requestAnimationFrame(r));
        const now = performance.now();
        gaps.push(now - last);
        last = now;
      }
      return gaps;
    }, scroll);
    const idle = await frameGaps(false);
    figure('dashboard_idle_frame_p50', percentile(idle, 50), 'ms');
    const frames = await frameGaps(true);
    figure('dashboard_scroll_frame_p50', percentile(frames, 50), 'ms');
    figure('dashboard_scroll_frame_p99', percentile(frames, 99), 'ms');
  } finally {
    await browser.close();
    await server.close();
  }
}

await main();
