/**
 * Why the scheduler could not place a unit, as its leader recorded it: the cluster event log's `unplaceable`
 * entries (scheduler loop/cluster-log.ts writes one whenever a unit's reasons change, in the wording of
 * scheduler placement/explain.ts). A blocked `start` reads them instead of running the planner itself
 * (docs/fleetctl-compat.md, fleet #559). With the API driver the log comes from the agent's `/v2/events`.
 */
import type { ClusterLogEvent } from '@flotilla/core';
import { googleApiError } from '../api/transport.js';
import type { CommandContext } from '../commands/verb.js';
import { agentTransport } from './agent-api.js';

/** The newest entries read per check: the log's default retention, so a busy cluster's entries are still seen. */
export const EVENTS_READ = 1000;

/**
 * unit → the reason of its newest `unplaceable` entry, for the named units whose newest placement entry says
 * so (a later `placed` or `rescheduled` entry means the leader placed it since). `events` oldest first.
 */
export function latestUnplaceable(events: readonly ClusterLogEvent[], units: ReadonlySet<string>): Map<string, string> {
  const found = new Map<string, string>();
  for (const event of events) {
    if (event.unit === undefined || !units.has(event.unit)) continue;
    if (event.kind === 'unplaceable') found.set(event.unit, event.reason ?? '');
    else if (event.kind === 'placed' || event.kind === 'rescheduled') found.delete(event.unit);
  }
  return found;
}

/** The newest EVENTS_READ entries of the cluster event log, oldest first; none when the registry keeps no log. */
export async function readEventLog(ctx: CommandContext): Promise<ClusterLogEvent[]> {
  if (ctx.globals.driver === 'api') {
    const reply = await agentTransport(ctx.globals.endpoints[0] as string, ctx.globals).send('GET', `/v2/events?limit=${EVENTS_READ}`);
    if (reply.status !== 200) throw googleApiError(reply.status, reply.body);
    return (JSON.parse(reply.body) as { events: ClusterLogEvent[] }).events;
  }
  const { ops } = await ctx.connection();
  return ops ? ops.listEvents({ limit: EVENTS_READ }) : [];
}
