/**
 * `PUT /units/<name>` body checks (steps 1–3 of docs/api.md, in fleet's order), pure: Content-Type, JSON shape,
 * name agreement. The registry steps that follow live in v1-units.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { DESIRED_STATES, type DesiredState, type UnitOption } from '@flotilla/core';
import { apiError, badRequest } from './http-errors.js';

export interface UnitPutBody {
  name: string;
  options: UnitOption[];
  desiredState?: DesiredState;
}

export function checkContentType(headers: IncomingHttpHeaders, rawHeaders: readonly string[] = []): void {
  const count = rawHeaders.length > 0
    ? rawHeaders.filter((_, i) => i % 2 === 0).filter((h) => h.toLowerCase() === 'content-type').length
    : headers['content-type'] === undefined ? 0 : 1;
  if (count !== 1) throw apiError(415, `expected 1 Content-Type, got ${count}`);
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw apiError(415, 'only acceptable Content-Type is application/json');
}

function isOption(value: unknown): value is UnitOption {
  if (typeof value !== 'object' || value === null) return false;
  const o = value as Record<string, unknown>;
  return ['section', 'name', 'value'].every((k) => o[k] === undefined || typeof o[k] === 'string');
}

function decodeFailure(reason: string): Error {
  return badRequest(`unable to decode body: ${reason}`);
}

/** Parses the body; `urlName` fills an empty body name (step 3). Unknown fields are ignored, as Go does. */
export function parseUnitPut(body: string, urlName: string): UnitPutBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw decodeFailure(err instanceof Error ? err.message : String(err));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw decodeFailure('expected a JSON object');
  const raw = parsed as Record<string, unknown>;
  if (raw.name !== undefined && typeof raw.name !== 'string') throw decodeFailure('name must be a string');
  if (raw.options !== undefined && raw.options !== null && !(Array.isArray(raw.options) && raw.options.every(isOption))) {
    throw decodeFailure('options must be a list of {section, name, value}');
  }
  if (raw.desiredState !== undefined && typeof raw.desiredState !== 'string') throw decodeFailure('desiredState must be a string');
  const name = (raw.name as string | undefined) || urlName;
  if (name !== urlName) throw badRequest(`name in URL ${JSON.stringify(urlName)} differs from unit name in request body ${JSON.stringify(name)}`);
  const options = ((raw.options as Partial<UnitOption>[] | undefined) ?? []).map((o) => ({
    section: o.section ?? '',
    name: o.name ?? '',
    value: o.value ?? '',
  }));
  const out: UnitPutBody = { name, options };
  const desired = raw.desiredState as string | undefined;
  if (desired !== undefined && desired !== '') {
    // fleet stored any string here and the unit then vanished from listings; we refuse it.
    if (!DESIRED_STATES.includes(desired as DesiredState)) {
      throw badRequest(`invalid desiredState ${JSON.stringify(desired)}: expected inactive, loaded or launched`);
    }
    out.desiredState = desired as DesiredState;
  }
  return out;
}
