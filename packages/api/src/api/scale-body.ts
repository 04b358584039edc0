/**
 * `PUT /v2/units/<template>/scale` body, pure: `{"count": N}`, N a whole number 0..MAX_SCALE. Unknown fields are
 * refused, as the cordon body's are: a misspelt `count` must not scale to a default.
 */
import { MAX_SCALE } from '@flotilla/core';
import { badRequest } from './http-errors.js';
import { parseObjectBody } from './object-body.js';

export function parseScaleBody(body: string): number {
  const { count } = parseObjectBody(body, ['count'], '{"count": 3}');
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_SCALE) {
    throw badRequest(`invalid count ${JSON.stringify(count)}: expected a whole number 0..${MAX_SCALE}`);
  }
  return count;
}
