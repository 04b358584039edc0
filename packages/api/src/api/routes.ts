/**
 * Routing (as fleet's `api/mux.go`), pure: method + path → the route to run, or fleet's error for that path.
 * API v1 is mounted at `/fleet/v1` and `/v1-alpha`; our extensions live under `/v2` and never change v1's shapes.
 */
import { badRequest, methodNotAllowed, notFound } from './http-errors.js';

export type Route =
  | { kind: 'units.list' }
  | { kind: 'units.get' | 'units.put' | 'units.delete'; name: string }
  | { kind: 'state.list' }
  | { kind: 'state.get'; name: string }
  | { kind: 'machines.list' | 'machines.patch' }
  | { kind: 'discovery' }
  | { kind: 'v2.machines' | 'v2.units' | 'v2.state' | 'v2.services' }
  | { kind: 'v2.status' | 'v2.journal'; name: string }
  | { kind: 'v2.cordon.put' | 'v2.cordon.delete'; machineId: string }
  | { kind: 'v2.scale'; name: string }
  | { kind: 'v2.deployments.list' | 'v2.deployments.start' }
  | { kind: 'v2.deployments.get' | 'v2.deployments.promote' | 'v2.deployments.rollback'; name: string };

export const V1_BASES = ['/fleet/v1', '/v1-alpha'] as const;

/** The unit name of `base/<name>`: one segment, URL-decoded; undefined for `base/`, `base/a/b` and bad escapes. */
function itemName(rest: string): string | undefined {
  if (rest === '' || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

function v1Route(method: string, path: string): Route {
  if (path === '' || path === '/') throw methodNotAllowed('');
  if (path === '/units') {
    if (method !== 'GET') throw methodNotAllowed('only GET supported against this resource');
    return { kind: 'units.list' };
  }
  if (path.startsWith('/units/')) {
    const name = itemName(path.slice('/units/'.length));
    if (name === undefined) throw notFound('');
    if (method === 'GET') return { kind: 'units.get', name };
    if (method === 'PUT') return { kind: 'units.put', name };
    if (method === 'DELETE') return { kind: 'units.delete', name };
    throw methodNotAllowed('only GET, PUT and DELETE supported against this resource');
  }
  if (path === '/state' || path.startsWith('/state/')) {
    const name = path === '/state' ? undefined : itemName(path.slice('/state/'.length));
    if (path !== '/state' && name === undefined) throw notFound('');
    if (method !== 'GET') throw methodNotAllowed('only GET supported against this resource');
    return name === undefined ? { kind: 'state.list' } : { kind: 'state.get', name };
  }
  if (path === '/machines') {
    if (method === 'GET') return { kind: 'machines.list' };
    if (method === 'PATCH') return { kind: 'machines.patch' };
    throw methodNotAllowed('only GET and PATCH supported against this resource');
  }
  if (path === '/discovery') {
    if (method !== 'GET') throw badRequest('only HTTP GET supported against this resource');
    return { kind: 'discovery' };
  }
  throw notFound('');
}

/** `/machines/<id>/cordon` (docs/machine-lifecycle.md): written with PUT and DELETE. */
function cordonRoute(method: string, rawId: string): Route {
  const machineId = itemName(rawId);
  if (machineId === undefined) throw notFound('');
  if (method === 'PUT') return { kind: 'v2.cordon.put', machineId };
  if (method === 'DELETE') return { kind: 'v2.cordon.delete', machineId };
  throw methodNotAllowed('only PUT and DELETE supported against this resource');
}

/** `/units/<template>/scale` (docs/api.md): PUT only. */
function scaleRoute(method: string, rawName: string): Route {
  const name = itemName(rawName);
  if (name === undefined) throw notFound('');
  if (method !== 'PUT') throw methodNotAllowed('only PUT supported against this resource');
  return { kind: 'v2.scale', name };
}

/** `/deployments`, `/deployments/<template>`, `/deployments/<template>/promote|rollback` (docs/deployments.md). */
function deploymentsRoute(method: string, path: string): Route {
  if (path === '/deployments') {
    if (method === 'GET') return { kind: 'v2.deployments.list' };
    if (method === 'POST') return { kind: 'v2.deployments.start' };
    throw methodNotAllowed('only GET and POST supported against this resource');
  }
  const match = /^\/deployments\/([^/]+)(?:\/(promote|rollback))?$/.exec(path);
  const name = match ? itemName(match[1] as string) : undefined;
  if (!match || name === undefined) throw notFound('');
  if (match[2] !== undefined) {
    if (method !== 'POST') throw methodNotAllowed('only POST supported against this resource');
    return { kind: match[2] === 'promote' ? 'v2.deployments.promote' : 'v2.deployments.rollback', name };
  }
  if (method !== 'GET') throw methodNotAllowed('only GET supported against this resource');
  return { kind: 'v2.deployments.get', name };
}

function v2Route(method: string, path: string): Route {
  if (path === '/deployments' || path.startsWith('/deployments/')) return deploymentsRoute(method, path);
  const cordon = /^\/machines\/([^/]+)\/cordon$/.exec(path);
  if (cordon) return cordonRoute(method, cordon[1] as string);
  const scale = /^\/units\/([^/]+)\/scale$/.exec(path);
  if (scale) return scaleRoute(method, scale[1] as string);
  if (method !== 'GET') throw methodNotAllowed('only GET supported against this resource');
  if (path === '/machines') return { kind: 'v2.machines' };
  if (path === '/units') return { kind: 'v2.units' };
  if (path === '/state') return { kind: 'v2.state' };
  if (path === '/services') return { kind: 'v2.services' };
  const match = /^\/units\/([^/]+)\/(status|journal)$/.exec(path);
  const name = match ? itemName(match[1] as string) : undefined;
  if (!match || name === undefined) throw notFound('');
  return { kind: match[2] === 'status' ? 'v2.status' : 'v2.journal', name };
}

/** Throws a FlotillaError with an API_* code (400/404/405) for paths and methods fleet refused. */
export function route(method: string, pathname: string): Route {
  if (pathname === '/') throw methodNotAllowed('');
  for (const base of V1_BASES) {
    if (pathname === base || pathname.startsWith(`${base}/`)) return v1Route(method, pathname.slice(base.length));
  }
  if (pathname.startsWith('/v2/')) return v2Route(method, pathname.slice('/v2'.length));
  throw notFound('');
}
