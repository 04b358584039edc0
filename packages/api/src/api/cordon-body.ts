/**
 * `PUT /v2/machines/<id>/cordon` body, pure (docs/machine-lifecycle.md): empty or `{}` cordons,
 * `{"drain": true}` drains, `{"drain": true, "deadline": "5m"}` drains with a deadline (a Go/systemd time span).
 * Unknown fields are refused rather than ignored: a misspelt `deadline` must not start a drain without one.
 */
import { parseTimeSpan, type CordonRequest } from '@flotilla/core';
import { badRequest } from './http-errors.js';
import { parseObjectBody } from './object-body.js';

export function parseCordonBody(body: string): CordonRequest {
  if (body.trim() === '') return { drain: false };
  const { drain = false, deadline } = parseObjectBody(body, ['drain', 'deadline'], '{} or {"drain": true, "deadline": "5m"}');
  if (typeof drain !== 'boolean') throw badRequest(`invalid drain ${JSON.stringify(drain)}: expected true or false`);
  if (deadline === undefined) return { drain };
  if (!drain) throw badRequest('deadline needs "drain": true');
  const deadlineMs = typeof deadline === 'string' ? parseTimeSpan(deadline) : undefined;
  if (deadlineMs === undefined) throw badRequest(`invalid deadline ${JSON.stringify(deadline)}: expected a time span like 90s, 5m or 1h30m`);
  return { drain, deadlineMs };
}
