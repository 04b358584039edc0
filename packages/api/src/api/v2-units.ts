/**
 * `/v2/units/<name>/status` and `/v2/units/<name>/journal?lines=N&follow=true&output=MODE`: the agent's own view of a unit
 * (systemctl status, journal), so `flotilla status`/`journal` need no ssh. Served by every agent for the units
 * on its machine; the CLI finds the machine from the unit's state and calls that machine's apiUrl.
 */
import { DEFAULT_JOURNAL_OUTPUT, FlotillaError, JOURNAL_OUTPUT_MODES, MAX_JOURNAL_LINES, isJournalOutputMode, type JournalOutputMode } from '@flotilla/core';
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

export interface JournalQuery {
  lines: number;
  follow: boolean;
  output: JournalOutputMode;
}

/** `lines`, `follow` and `output` (journalctl's -o, one of JOURNAL_OUTPUT_MODES; default short). */
export function journalOptions(query: URLSearchParams): JournalQuery {
  const rawLines = query.get('lines');
  const lines = rawLines === null || rawLines === '' ? DEFAULT_LINES : Number(rawLines);
  if (!Number.isInteger(lines) || lines < 0) throw badRequest(`invalid lines ${JSON.stringify(rawLines)}: expected a whole number`);
  if (lines > MAX_JOURNAL_LINES) throw badRequest(`invalid lines ${JSON.stringify(rawLines)}: at most ${MAX_JOURNAL_LINES}`);
  const follow = /^(1|true|yes)$/i.test(query.get('follow') ?? '');
  const output = query.get('output') || DEFAULT_JOURNAL_OUTPUT;
  if (!isJournalOutputMode(output)) throw badRequest(`invalid output ${JSON.stringify(output)}: expected one of ${JOURNAL_OUTPUT_MODES.join(', ')}`);
  return { lines, follow, output };
}

/** One journal line per text line. The source is opened before the reply starts, so "not here" is a 404. */
export async function unitJournal(deps: ApiDeps, name: string, req: ApiRequest): Promise<ApiReply> {
  const opts = journalOptions(req.query);
  const lines = introspection(deps).unitJournal(name, { ...opts, signal: req.signal });
  return {
    status: 200,
    stream: async (write, signal) => {
      for await (const line of lines) {
        if (signal.aborted) break;
        await write(`${line}\n`);
      }
    },
  };
}
