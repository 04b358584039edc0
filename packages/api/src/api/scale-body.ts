/**
 * `PUT /v2/units/<template>/scale` body, pure: `{"count": N}`, N a whole number 0..MAX_SCALE. Unknown fields are
 * refused, as the cordon body's are: a misspelt `count` must not scale to a default.
 */
import { MAX_SCALE } from '@flotilla/core';
import { badRequest } from './http-errors.js';

export function parseScaleBody(body: string): number {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw badRequest(`unable to decode body: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest('body must be a JSON object like {"count": 3}');
  const fields = parsed as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (key !== 'count') throw badRequest(`unknown field ${JSON.stringify(key)}: expected count`);
  const { count } = fields;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_SCALE) {
    throw badRequest(`invalid count ${JSON.stringify(count)}: expected a whole number 0..${MAX_SCALE}`);
  }
  return count;
}
