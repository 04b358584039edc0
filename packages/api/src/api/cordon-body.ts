/**
 * `PUT /v2/machines/<id>/cordon` body, pure (docs/machine-lifecycle.md): empty or `{}` cordons,
 * `{"drain": true}` drains, `{"drain": true, "deadline": "5m"}` drains with a deadline (a Go/systemd time span).
 * Unknown fields are refused rather than ignored: a misspelt `deadline` must not start a drain without one.
 */
import { parseTimeSpan, type CordonRequest } from '@flotilla/core';
import { badRequest } from './http-errors.js';

const FIELDS = new Set(['drain', 'deadline']);

export function parseCordonBody(body: string): CordonRequest {
  if (body.trim() === '') return { drain: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw badRequest(`unable to decode body: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('body must be a JSON object like {} or {"drain": true, "deadline": "5m"}');
  const fields = parsed as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) throw badRequest(`unknown field ${JSON.stringify(key)}: expected drain, deadline`);
  }
  const { drain = false, deadline } = fields;
  if (typeof drain !== 'boolean') throw badRequest(`invalid drain ${JSON.stringify(drain)}: expected true or false`);
  if (deadline === undefined) return { drain };
  if (!drain) throw badRequest('deadline needs "drain": true');
  const deadlineMs = typeof deadline === 'string' ? parseTimeSpan(deadline) : undefined;
  if (deadlineMs === undefined) throw badRequest(`invalid deadline ${JSON.stringify(deadline)}: expected a time span like 90s, 5m or 1h30m`);
  return { drain, deadlineMs };
}
