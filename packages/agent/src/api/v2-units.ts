/**
 * `/v2/units/<name>/status` and `/v2/units/<name>/journal?lines=N&follow=true`: the agent's own view of a unit
 * (systemctl status, journal), so `flotilla status`/`journal` need no ssh. Served by every agent for the units
 * on its machine; the CLI finds the machine from the unit's state and calls that machine's apiUrl.
 */
import { FlotillaError } from '@flotilla/core';
import { badRequest } from './http-errors.js';
import type { ApiDeps, ApiReply, ApiRequest, Introspection } from './request.js';

const DEFAULT_LINES = 10;

function introspection(deps: ApiDeps): Introspection {
  if (!deps.introspect) throw new FlotillaError('API_UNAVAILABLE', 'unit introspection is not available on this agent');
  return deps.introspect;
}

export async function unitStatus(deps: ApiDeps, name: string): Promise<ApiReply> {
  return { status: 200, text: await introspection(deps).unitStatus(name) };
}

export function journalOptions(query: URLSearchParams): { lines: number; follow: boolean } {
  const rawLines = query.get('lines');
  const lines = rawLines === null || rawLines === '' ? DEFAULT_LINES : Number(rawLines);
  if (!Number.isInteger(lines) || lines < 0) throw badRequest(`invalid lines ${JSON.stringify(rawLines)}: expected a whole number`);
  const follow = /^(1|true|yes)$/i.test(query.get('follow') ?? '');
  return { lines, follow };
}

export async function unitJournal(deps: ApiDeps, name: string, req: ApiRequest): Promise<ApiReply> {
  const source = introspection(deps);
  const opts = journalOptions(req.query);
  return {
    status: 200,
    stream: async (write, signal) => {
      const result = await source.unitJournal(name, { ...opts, signal });
      if (typeof result === 'string') return write(result);
      for await (const chunk of result) {
        if (signal.aborted) break;
        await write(chunk);
      }
    },
  };
}
