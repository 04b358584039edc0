/**
 * The API's failures, as FlotillaErrors with stable codes (no new classes: the status comes from the code), and
 * the one mapping from any error to fleet's error body `{"error":{"code":N,"message":"..."}}` (its `sendError`),
 * plus `hint` on the API's own errors that carry one.
 * Registry failures and bugs are 500 with an empty message, as fleet: details go to the log only.
 */
import { FlotillaError, isFlotillaError } from '@flotilla/core';

export const API_STATUS: Readonly<Record<string, number>> = {
  API_BAD_REQUEST: 400,
  API_UNAUTHORIZED: 401,
  API_NOT_FOUND: 404,
  API_METHOD_NOT_ALLOWED: 405,
  API_CONFLICT: 409,
  API_TOO_LARGE: 413,
  API_MEDIA_TYPE: 415,
  API_TOO_MANY_REQUESTS: 429,
  API_UNAVAILABLE: 503,
  // Core's validation errors carry fleet's exact texts and are the client's fault.
  INVALID_UNIT_NAME: 400,
  INVALID_UNIT_OPTIONS: 400,
  UNIT_FILE_SYNTAX: 400,
  TEMPLATE_ACTIVATION: 400,
  UNIT_NOT_FOUND: 404,
  UNIT_SYSTEMD_NAME_TAKEN: 409,
  UNIT_NOT_MANAGED_HERE: 404,
  INVALID_DEPLOYMENT: 400,
  NO_ROLLBACK_TARGET: 400,
  DEPLOYMENT_IN_PROGRESS: 409,
  NOT_PROMOTABLE: 409,
};

export function apiError(status: number, message: string): FlotillaError {
  const code = Object.entries(API_STATUS).find(([c, s]) => s === status && c.startsWith('API_'))?.[0] ?? 'API_ERROR';
  return new FlotillaError(code, message);
}

export const badRequest = (message: string) => apiError(400, message);
export const notFound = (message: string) => apiError(404, message);
export const methodNotAllowed = (message: string) => apiError(405, message);
export const conflict = (message: string) => apiError(409, message);

export interface ErrorReply {
  status: number;
  body: { error: { code: number; message: string; hint?: string } };
  /** True when the error is ours to log as a failure (500). */
  internal: boolean;
}

export function errorReply(err: unknown): ErrorReply {
  const status = isFlotillaError(err) ? API_STATUS[err.code] : undefined;
  if (status === undefined) return { status: 500, body: { error: { code: 500, message: '' } }, internal: true };
  // A hint (what to do about it) rides along only on the API's own errors that set one (the /v2 writes): core's
  // validation errors keep fleet's exact body, hint or not.
  const { code, message, hint } = err as FlotillaError;
  return { status, body: { error: { code: status, message, ...(hint && code.startsWith('API_') ? { hint } : {}) } }, internal: false };
}
