/**
 * Where a burst's time went on each machine, read from the daemon's own log (pino's `time`, epoch ms; the
 * machines share the host's clock): when the leader assigned the first and last unit, when the agent finished
 * its first and last Load and Start, and how many reloads it did. Times are relative to `t0` (Date.now()).
 */
import type { Machine } from '../../test/harness/machines.js';

export interface Span {
  count: number;
  first: number;
  last: number;
}

export type Timeline = Record<string, Span>;

/** Log lines of `unitPrefix`'s units (and reloads) after `t0`, by what they say. */
export async function agentTimeline(machine: Machine, t0: number, unitPrefix: string): Promise<Timeline> {
  const since = `@${Math.floor(t0 / 1000) - 1}`;
  const r = await machine.exec(['journalctl', '-u', 'flotilla-agent.service', '--no-pager', '-o', 'cat', '--since', since], { timeoutMs: 30_000 });
  const timeline: Timeline = {};
  for (const line of r.stdout.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { time?: number; msg?: string; unit?: string; kind?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.time === undefined || entry.time < t0 || entry.msg === undefined) continue;
    const ours = entry.unit?.startsWith(unitPrefix) === true;
    const key = /^task (\w+) done$/.test(entry.msg) ? (ours || entry.kind === 'Reload' ? entry.msg : undefined)
      : ours && /^assigned /.test(entry.msg) ? 'assigned'
      : undefined;
    if (key === undefined) continue;
    const at = entry.time - t0;
    const span = (timeline[key] ??= { count: 0, first: at, last: at });
    span.count++;
    span.first = Math.min(span.first, at);
    span.last = Math.max(span.last, at);
  }
  return timeline;
}

export function describeTimeline(name: string, t: Timeline): string {
  const parts = Object.entries(t).map(([k, s]) => `${k} ×${s.count} ${Math.round(s.first)}–${Math.round(s.last)} ms`);
  return `${name}: ${parts.join('; ') || 'nothing logged'}`;
}
