/**
 * When systemd on a machine finished stopping and started a unit, from its own journal (the catalog message ids
 * of "Stopped …" and "Started …", systemd's src/systemd/sd-messages.h: SD_MESSAGE_UNIT_STOPPED/STARTED). The
 * machines share the host's kernel clock, so times from two machines compare: a unit's start on its new machine
 * after its stop on the old one is stop-before-start to the microsecond, with the downtime in between.
 */
import type { Machine } from '../harness/machines.js';

const UNIT_STOPPED = '9d1aaa27d60140bd96365438aad20286';
const UNIT_STARTED = '39f53479d3a045ac8e11786248231fbf';

export interface UnitTimes {
  /** ms since epoch (fractional) of each "Stopped" and "Started", oldest first. */
  stopped: number[];
  started: number[];
}

export async function unitTimes(machine: Machine, unit: string): Promise<UnitTimes> {
  const r = await machine.exec(['journalctl', '--no-pager', '-o', 'json', '--output-fields=MESSAGE_ID,UNIT', `UNIT=${unit}`], { timeoutMs: 10_000 });
  const times: UnitTimes = { stopped: [], started: [] };
  for (const line of r.stdout.split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { MESSAGE_ID?: string; __REALTIME_TIMESTAMP?: string };
    const at = Number(entry.__REALTIME_TIMESTAMP) / 1000;
    if (entry.MESSAGE_ID === UNIT_STOPPED) times.stopped.push(at);
    if (entry.MESSAGE_ID === UNIT_STARTED) times.started.push(at);
  }
  return times;
}

/**
 * The unit's move from `from` to `to`: ms from its last stop on `from` to its first start on `to` after that
 * (negative: it started there before it had stopped here, i.e. it ran twice). undefined if either is missing.
 */
export async function moveGapMs(unit: string, from: Machine, to: Machine): Promise<number | undefined> {
  const [old, now] = await Promise.all([unitTimes(from, unit), unitTimes(to, unit)]);
  const stoppedAt = old.stopped.at(-1);
  if (stoppedAt === undefined) return undefined;
  // The start on `to` that this move made: the last one (it runs there now).
  const startedAt = now.started.at(-1);
  return startedAt === undefined ? undefined : startedAt - stoppedAt;
}
