/**
 * The bearer token in the URL (RFC 6750 §2.3, `access_token`): accepted only where a browser cannot send an
 * Authorization header, the dashboard's EventSource on `/v2/events/stream` (docs/ops.md, "Access"); every other
 * route wants the header. URLs are logged, so `access_token` is redacted from every logged URL. Pure.
 */

export const QUERY_TOKEN_PATHS: ReadonlySet<string> = new Set(['/v2/events/stream']);

/** The token given in the query of `url`, when its path is one that may carry it. */
export function queryToken(url: URL): string | null {
  return QUERY_TOKEN_PATHS.has(url.pathname) ? url.searchParams.get('access_token') : null;
}

/**
 * `raw` (a request target as received) with the value of every `access_token` parameter replaced by `REDACTED`.
 * Names are compared decoded, as URLSearchParams reads them (`access%5Ftoken` is the same parameter); the rest of
 * the URL is kept as received.
 */
export function redactedUrl(raw: string | undefined): string | undefined {
  if (raw === undefined) return raw;
  const q = raw.indexOf('?');
  if (q < 0) return raw;
  const hash = raw.indexOf('#', q);
  const query = raw.slice(q + 1, hash < 0 ? undefined : hash);
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    return decodedName(name).toLowerCase() === 'access_token' ? `${name}=REDACTED` : part;
  });
  return `${raw.slice(0, q + 1)}${parts.join('&')}${hash < 0 ? '' : raw.slice(hash)}`;
}

function decodedName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name; // a malformed escape: URLSearchParams keeps such a name as written too
  }
}
