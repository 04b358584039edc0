/**
 * A Flotilla `/v2` request body that must be a JSON object of known fields (the cordon and scale bodies), pure.
 * Unknown fields are refused rather than ignored: a misspelt field must not silently fall back to a default.
 */
import { badRequest } from './http-errors.js';

/** `example` shows a valid body in the error for anything that is not an object. */
export function parseObjectBody(body: string, fields: readonly string[], example: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    throw badRequest(`unable to decode body: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badRequest(`body must be a JSON object like ${example}`);
  const object = parsed as Record<string, unknown>;
  for (const key of Object.keys(object)) {
    if (!fields.includes(key)) throw badRequest(`unknown field ${JSON.stringify(key)}: expected ${fields.join(', ')}`);
  }
  return object;
}
