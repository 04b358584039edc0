/**
 * The one place errors become text: the message, then the hint, on stderr; the caller exits 1. Registry
 * transport errors always name the endpoint. Anything that is not a FlotillaError is a bug and shows its stack
 * with --debug.
 */
import { isFlotillaError } from '@flotilla/core';

const TRANSPORT_CODES = new Set(['REGISTRY_UNAVAILABLE', 'REGISTRY_TIMEOUT']);

export interface ErrorReport {
  lines: string[];
  exitCode: number;
}

export function formatError(err: unknown, endpoints: readonly string[], debug = false): ErrorReport {
  if (isFlotillaError(err)) {
    let message = err.message;
    if (TRANSPORT_CODES.has(err.code) && endpoints.length > 0 && !endpoints.some((e) => message.includes(e))) {
      message += ` (etcd at ${endpoints.join(', ')})`;
    }
    const lines = [message];
    if (err.hint) lines.push(`hint: ${err.hint}`);
    return { lines, exitCode: 1 };
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`Unexpected error: ${message}`];
  if (debug && err instanceof Error && err.stack) lines.push(err.stack);
  return { lines, exitCode: 1 };
}

export function reportError(err: unknown, endpoints: readonly string[], stderr: NodeJS.WritableStream, debug = false): number {
  const report = formatError(err, endpoints, debug);
  stderr.write(report.lines.map((l) => `${l}\n`).join(''));
  return report.exitCode;
}
