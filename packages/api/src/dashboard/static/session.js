// The API token of this browser tab: typed into the login form (or handed over once as `#token=…`, which is
// read and wiped from the address bar at once, never sent), kept in sessionStorage, sent as
// `Authorization: Bearer` on every fetch. EventSource cannot send headers, so the event stream alone carries it
// as `access_token` (the one route that accepts it there: api/access-token.ts); no other URL ever holds it.
const KEY = 'flotilla-token';

export function takeHashToken() {
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem(KEY, fromHash);
    history.replaceState(null, '', location.pathname);
  }
}
export const token = () => sessionStorage.getItem(KEY) ?? '';
export const setToken = (t) => sessionStorage.setItem(KEY, t);
export const clearToken = () => sessionStorage.removeItem(KEY);
export const authHeaders = () => (token() ? { Authorization: `Bearer ${token()}` } : {});
export const streamUrl = (path) => (token() ? `${path}?access_token=${encodeURIComponent(token())}` : path);

/** A refused request: `code` the HTTP status, `message` and `hint` from the API's error body. */
export class ApiError extends Error {
  constructor(code, body) {
    super(body?.message || `HTTP ${code}`);
    this.code = code;
    this.hint = body?.hint;
  }
}

let onUnauthorized = () => {};
export const whenUnauthorized = (fn) => (onUnauthorized = fn);

async function request(method, path, body, signal) {
  const headers = { ...authHeaders(), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) };
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  if (res.status === 401) onUnauthorized();
  if (!res.ok) {
    const err = await res.json().catch(() => undefined);
    throw new ApiError(res.status, err?.error);
  }
  return res;
}

/** JSON (or text) reply of a request; throws ApiError when refused. */
export async function api(method, path, body) {
  const res = await request(method, path, body);
  if (res.status === 204) return undefined;
  return (res.headers.get('content-type') ?? '').includes('json') ? res.json() : res.text();
}

/** Streams a text reply line by line (journal -f) until `signal` aborts or the server ends it. */
export async function streamLines(path, onLine, signal) {
  const res = await request('GET', path, undefined, signal);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    const lines = (rest + value).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  }
}

/** Whether the API takes this tab's token: 'ok', 'refused' (401) or 'unreachable'. */
export async function probe() {
  const res = await fetch('/v2/health', { method: 'HEAD', headers: authHeaders(), cache: 'no-store' }).catch(() => undefined);
  return !res ? 'unreachable' : res.status === 401 ? 'refused' : 'ok';
}
