/**
 * The ops views through the real API server (TCP with a token) against a real etcd: the dashboard's files,
 * `/v2/health`, `/v2/events`, the live stream and `/metrics` (checked by promtool when it is installed).
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { pino } from 'pino';
import { describe, expect, test, vi } from 'vitest';
import type { EtcdRegistry } from '@flotilla/core';
import { useApiServer } from '../test-support/api-server-fixture.js';
import { request, type Target } from '../test-support/http.js';
import { startApiServer } from '../api/server.js';
import type { HealthReport } from '../health/types.js';

const logger = pino({ level: 'silent' });
const TOKEN = 'sekret-token';
const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];
let registry: EtcdRegistry;
let target: Target;

useApiServer((f) => ({ registry, target } = f), { listen: 'tcp', token: TOKEN });

const anonymous = () => ({ port: target.port });

describe('access', () => {
  test.each([
    ['the page shell needs no token (it holds no data)', '/', 'GET', false, 200],
    ['the script too', '/dashboard.js', 'GET', false, 200],
    ['health needs the token', '/v2/health', 'GET', false, 401],
    ['metrics need the token', '/metrics', 'GET', false, 401],
    ['health with the bearer token', '/v2/health', 'GET', true, 200],
    ['access_token query parameter on the event stream (EventSource cannot send a header)', `/v2/events/stream?access_token=${TOKEN}`, 'HEAD', false, 200],
    ['a wrong access_token on the stream', '/v2/events/stream?access_token=nope', 'HEAD', false, 401],
    ['access_token is not taken on health (fetch can send the header)', `/v2/health?access_token=${TOKEN}`, 'GET', false, 401],
    ['nor on metrics', `/metrics?access_token=${TOKEN}`, 'GET', false, 401],
    ['nor on API v1', `/fleet/v1/units?access_token=${TOKEN}`, 'GET', false, 401],
    ['nor on /v2', `/v2/units?access_token=${TOKEN}`, 'GET', false, 401],
    ['HEAD of the stream answers at once', '/v2/events/stream', 'HEAD', true, 200],
    ['read-only: POST / is refused', '/', 'POST', true, 405],
    ['read-only: DELETE /v2/health is refused', '/v2/health', 'DELETE', true, 405],
  ])('%s', async (_name, path, method, withToken, status) => {
    const reply = await request(withToken ? target : anonymous(), method, path);
    expect(reply.status).toBe(status);
  });
});

test('logged request URLs never carry the access_token', async () => {
  const lines: string[] = [];
  const capture = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  const logged = await startApiServer({ registry, logger: capture, version: 't', token: TOKEN, listen: [{ kind: 'tcp', host: '127.0.0.1', port: 0 }] });
  try {
    const port = (logged.addresses[0] as { port: number }).port;
    expect((await request({ port, token: TOKEN }, 'GET', `/fleet/v1/units?alt=json&access_token=${TOKEN}`)).status).toBe(200);
    const entries = lines.map((l) => JSON.parse(l) as { msg: string; url?: string }).filter((e) => e.msg === 'api request');
    expect(entries.map((e) => e.url)).toEqual(['/fleet/v1/units?alt=json&access_token=REDACTED']);
    expect(lines.join('\n')).not.toContain(TOKEN);
  } finally {
    await logged.close();
  }
});

test('the page and its assets are served with types and an ETag (304 on reload)', async () => {
  const page = await request(anonymous(), 'GET', '/');
  expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(page.text).toContain('<script type="module" src="/dashboard.js">');
  const again = await request(anonymous(), 'GET', '/', undefined, { 'If-None-Match': String(page.headers.etag) });
  expect(again.status).toBe(304);
});

test('health reports an unscheduled unit, no leader, and the event log', async () => {
  await registry.submitUnit({ name: 'web.service', options: OPTIONS }, { desiredState: 'launched' });
  await registry.appendEvent({ kind: 'unplaceable', unit: 'web.service', reason: 'no machines' });
  const health = (await request(target, 'GET', '/v2/health')).json as HealthReport;
  expect(health.status).toBe('attention');
  expect(health.problems.map((p) => p.kind)).toEqual(['no-leader', 'unit-unscheduled']);
  expect(health.units.map((u) => [u.name, u.health])).toEqual([['web.service', 'unscheduled']]);
  const events = (await request(target, 'GET', '/v2/events?limit=5')).json as { events: { kind: string }[] };
  expect(events.events.map((e) => e.kind)).toEqual(['unplaceable']);
});

test('the stream sends a snapshot, then a delta when a unit is submitted', async () => {
  const controller = new AbortController();
  const deadline = setTimeout(() => controller.abort(), 15_000);
  try {
    const res = await fetch(`http://127.0.0.1:${target.port}/v2/events/stream?access_token=${TOKEN}`, { signal: controller.signal });
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = (res.body as ReadableStream<Uint8Array>).pipeThrough(new TextDecoderStream() as TransformStream<Uint8Array, string>).getReader();
    let text = '';
    const until = async (what: string) => {
      while (!text.includes(what)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`stream ended before ${what}`);
        text += chunk.value;
      }
    };
    await until('event: snapshot');
    await registry.submitUnit({ name: 'late.service', options: OPTIONS }, { desiredState: 'launched' });
    await until('"late.service"');
    const delta = text.split('\n\n').find((m) => m.startsWith('event: delta') && m.includes('late.service')) ?? '';
    const body = JSON.parse(delta.slice(delta.indexOf('data: ') + 6)) as { units: { upsert: { name: string; health: string }[] } };
    expect(body.units.upsert.map((u) => [u.name, u.health])).toEqual([['late.service', 'unscheduled']]);
  } finally {
    clearTimeout(deadline);
    controller.abort();
  }
});

test('at most 64 event streams at once: the next is refused with 429, a closed one frees its place', async () => {
  const open: http.ClientRequest[] = [];
  const openStream = () =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const path = '/v2/events/stream';
      const req = http.get({ host: '127.0.0.1', port: target.port, path, headers: { Authorization: `Bearer ${TOKEN}` }, agent: false }, (res) => {
        if (res.statusCode === 200) return resolve({ status: 200, body: '' });
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      open.push(req);
      req.on('error', reject);
    });
  try {
    for (let i = 0; i < 64; i++) expect((await openStream()).status).toBe(200);
    const refused = await openStream();
    expect([refused.status, JSON.parse(refused.body)]).toEqual([
      429, { error: { code: 429, message: 'too many event streams: 64 open on this agent; close one (a dashboard tab) or try again later' } },
    ]);
    open[0]!.destroy();
    await vi.waitFor(async () => expect((await openStream()).status).toBe(200), { timeout: 5000, interval: 50 });
  } finally {
    for (const req of open) req.destroy();
  }
});

test('metrics: Prometheus text with the cluster gauges and histograms; promtool accepts it', async () => {
  await registry.submitUnit({ name: 'a.service', options: OPTIONS }, { desiredState: 'launched' });
  const reply = await request(target, 'GET', '/metrics');
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = reply.text.split('\n').filter((l) => l.startsWith('# TYPE flotilla_')).sort();
  expect(families).toEqual([
    '# TYPE flotilla_cluster_events gauge',
    '# TYPE flotilla_etcd_request_errors_total counter',
    '# TYPE flotilla_machine_scheduling_state gauge',
    '# TYPE flotilla_machines gauge',
    '# TYPE flotilla_placement_latency_seconds histogram',
    '# TYPE flotilla_reconcile_duration_seconds histogram',
    '# TYPE flotilla_scheduler_leader gauge',
    '# TYPE flotilla_scheduler_leader_changes_total counter',
    '# TYPE flotilla_service_replicas gauge',
    '# TYPE flotilla_units gauge',
  ]);
  expect(reply.text).toContain('flotilla_units{health="unscheduled"} 1');
  expect(reply.text).toContain('flotilla_scheduler_leader 0');
  let promtool = '';
  try {
    promtool = execFileSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).trim();
  } catch {
    // not installed: scripts/setup.sh installs Debian's prometheus, which ships it
  }
  if (promtool) expect(execFileSync(promtool, ['check', 'metrics'], { input: reply.text, encoding: 'utf8', timeout: 10_000 })).toBe('');
});
