/**
 * The API fuzz's fixture and judge. The fixture is the real server (server.ts) on a unix socket over a real
 * etcd, with a few units (one scheduled), two registered machines and an introspection that knows one unit,
 * as an agent has; the logger keeps every error-level line (a 500 the client never saw still shows there).
 * The judge says what is wrong with one exchange: a 5xx, a 4xx without fleet's error body
 * (`{"error":{"code":N,"message":"..."}}`, docs/api.md), no answer, or a rejected request that changed etcd.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Etcd3 } from 'etcd3';
import { pino } from 'pino';
import { EtcdRegistry, Keyspace, sleep, UnitNotManagedHereError, type PresenceLease } from '@flotilla/core';
import { registryViolations, type RawPair } from '../../../core/src/testing/registry-invariants.js';
import { startApiServer, type ApiServer } from '../api/server.js';
import type { Introspection } from '../api/request.js';
import { FIXTURE_MACHINES, FIXTURE_UNITS } from './api-fuzz-requests.js';
import { sendRaw, type RawOutcome, type RawRequest } from './raw-http.js';

const OPTIONS = [{ section: 'Service', name: 'ExecStart', value: '/bin/sleep 1000' }];

/** Knows `hello.service` only, as an agent knows the units it loaded; its journal ends (no real follow). */
const introspection: Introspection = {
  async unitStatus(name) {
    if (name !== 'hello.service') throw new UnitNotManagedHereError(name, 'm1');
    return '● hello.service\n   Active: active (running)\n';
  },
  unitJournal(name) {
    if (name !== 'hello.service') throw new UnitNotManagedHereError(name, 'm1');
    return (async function* lines() {
      yield 'one';
      yield 'two';
    })();
  },
};

export interface ApiFuzzFixture {
  socketPath: string;
  /** Every key and value under the fixture's prefix. */
  dump(): Promise<RawPair[]>;
  /** registryViolations of a dump (half-written units, schedules without assignments...). */
  violations(pairs: RawPair[]): string[];
  /** Error-level log lines since the last call. */
  takeErrorLogs(): string[];
  /** Back to the fixture's registry: its units as created, no others, no dynamic metadata (keeps dumps small). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startApiFuzzFixture(endpoints: string[], prefix: string): Promise<ApiFuzzFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flotilla-api-fuzz-'));
  const socketPath = path.join(dir, 'fleet.sock');
  const keys = new Keyspace(prefix);
  const raw = new Etcd3({ hosts: endpoints });
  const registry = await EtcdRegistry.connect({ endpoints, prefix });
  let errorLines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void errorLines.push(line) });
  const leases: PresenceLease[] = [];
  for (const id of FIXTURE_MACHINES) {
    leases.push(await registry.registerMachine({ id, hostname: id, ip: '10.0.0.1', metadata: { role: 'worker' }, version: 't', startedAt: 1 }, 3600));
  }
  const reseed = async () => {
    const snapshot = await registry.snapshot();
    for (const name of FIXTURE_UNITS) {
      if (snapshot.units.some((u) => u.name === name)) continue;
      const options = name === 'global.service' ? [...OPTIONS, { section: 'X-Fleet', name: 'Global', value: 'true' }] : OPTIONS;
      await registry.submitUnit({ name, options }, { desiredState: name === 'tpl@.service' ? 'inactive' : 'launched', replace: true });
    }
    const fresh = await registry.snapshot();
    const hello = fresh.units.find((u) => u.name === 'hello.service');
    if (hello && hello.desiredState !== 'inactive' && !fresh.schedule.has('hello.service')) {
      await registry.assign(hello, fresh.unitRevisions.get('hello.service') as string, 'm1');
    }
  };
  await reseed();
  const reset = async () => {
    for (const unit of (await registry.snapshot()).units) {
      if (!(FIXTURE_UNITS as readonly string[]).includes(unit.name) || unit.options.length !== (unit.name === 'global.service' ? 2 : 1)) await registry.destroyUnit(unit.name);
    }
    await raw.delete().prefix(keys.machinesPrefix.replace(/machines\/$/, 'machine-metadata/')).exec();
    await reseed();
  };
  let server: ApiServer | undefined;
  let closing: Promise<void> | undefined;
  try {
    server = await startApiServer({ registry, logger, version: 'fuzz', listen: [{ kind: 'unix', path: socketPath }], introspect: introspection });
  } catch (err) {
    await registry.close();
    raw.close();
    throw err;
  }
  return {
    socketPath,
    async dump() {
      const response = await raw.getAll().prefix(keys.root).exec();
      return response.kvs.map((kv) => ({ key: kv.key.toString(), value: kv.value }));
    },
    violations: (pairs) => registryViolations(keys, pairs),
    takeErrorLogs() {
      const out = errorLines;
      errorLines = [];
      return out;
    },
    reset,
    close() {
      closing ??= (async () => {
        await server?.close();
        for (const lease of leases) await lease.revoke().catch(() => undefined);
        await registry.close();
        raw.close();
        fs.rmSync(dir, { recursive: true, force: true });
      })();
      return closing;
    },
  };
}

/** The client sent less than its Content-Length says, then closed: the server must not act on it. */
export function bodyCutShort(req: RawRequest): boolean {
  const declared = req.headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1];
  return req.sendBytes !== undefined && declared !== undefined && req.sendBytes < Number(declared);
}

/** What is wrong with one exchange, by the fuzz's property (empty when nothing is). */
export function judgeExchange(req: RawRequest, reply: RawOutcome, before: RawPair[], after: RawPair[]): string[] {
  const problems: string[] = [];
  // Without an answer, a complete request may have been applied (as fleet's Go server would); a cut one not.
  const rejected = reply === undefined ? bodyCutShort(req) : reply.status >= 400;
  // A client that half-closes gets no answer: node:http closes such a connection (httpAllowHalfOpen is off).
  if (reply === undefined) {
    if (req.sendBytes === undefined) problems.push('no response: the server closed the connection');
  }
  else if (reply.status >= 500) problems.push(`status ${reply.status}: ${reply.body.toString('utf8').slice(0, 200)}`);
  else if (reply.status >= 400) problems.push(...errorBodyProblems(reply.status, reply.headers['content-type'], reply.body, req.method));
  if (rejected && !isDeepStrictEqual(before, after)) problems.push(`a rejected request changed etcd: ${changedKeys(before, after).join(', ')}`);
  return problems;
}

/** fleet's error body, exactly: `{"error":{"code":<status>,"message":"<text>"}}` as application/json. */
function errorBodyProblems(status: number, contentType: string | undefined, body: Buffer, method: string): string[] {
  if (method === 'HEAD') return [];
  if (!(contentType ?? '').startsWith('application/json')) return [`status ${status} with Content-Type ${contentType ?? 'none'}: ${body.toString('utf8').slice(0, 120)}`];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return [`status ${status} with a body that is not JSON: ${body.toString('utf8').slice(0, 120)}`];
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const exact = parsed !== null && typeof parsed === 'object' && Object.keys(parsed).length === 1 && error !== undefined && Object.keys(error).sort().join() === 'code,message';
  if (!exact || error?.code !== status || typeof error?.message !== 'string') return [`status ${status} without fleet's error body: ${body.toString('utf8').slice(0, 120)}`];
  return [];
}

function changedKeys(before: RawPair[], after: RawPair[]): string[] {
  const old = new Map(before.map((p) => [p.key, p.value.toString('utf8')]));
  const now = new Map(after.map((p) => [p.key, p.value.toString('utf8')]));
  const keys = new Set([...old.keys(), ...now.keys()]);
  return [...keys].filter((k) => old.get(k) !== now.get(k)).slice(0, 5);
}

/** One judged exchange: dump, send, dump; plus whether the server answers a plain request afterwards. */
export async function fuzzExchange(fixture: ApiFuzzFixture, req: RawRequest, probe: boolean): Promise<{ reply: RawOutcome; problems: string[] }> {
  const before = await fixture.dump();
  const reply = await sendRaw({ socketPath: fixture.socketPath }, req);
  // A client that half-closed got no answer and cannot tell when the server is done with its request: wait until
  // etcd is still, or its write would be blamed on the next request (a start held for a restart waits up to 2 s).
  const after = reply === undefined ? await settledDump(fixture, holdsStart(req) ? 2_200 : 60) : await fixture.dump();
  const problems = judgeExchange(req, reply, before, after);
  problems.push(...fixture.takeErrorLogs().map((line) => `error logged: ${line.slice(0, 300)}`));
  if (probe) {
    const check = await sendRaw({ socketPath: fixture.socketPath }, { method: 'GET', target: '/fleet/v1/discovery', headers: [['Host', 'localhost'], ['Connection', 'close']], body: Buffer.alloc(0) });
    if (check?.status !== 200) problems.push(`the server stopped answering: GET /fleet/v1/discovery → ${check?.status ?? 'no response'}`);
  }
  return { reply, problems };
}

function holdsStart(req: RawRequest): boolean {
  return req.method === 'PUT' && req.body.includes('launched');
}

/** A dump that stayed the same for `quietMs` (at most 5 s of waiting). */
async function settledDump(fixture: ApiFuzzFixture, quietMs: number): Promise<RawPair[]> {
  let last = await fixture.dump();
  let stillSince = Date.now();
  for (const deadline = Date.now() + 5_000; Date.now() < deadline; ) {
    await sleep(20);
    const now = await fixture.dump();
    if (!isDeepStrictEqual(now, last)) [last, stillSince] = [now, Date.now()];
    else if (Date.now() - stillSince >= quietMs) break;
  }
  return last;
}

/** A request as one line for a report: method, target and framing, the body cut short. */
export function describeRequest(req: RawRequest): string {
  const body = req.body.length > 160 ? `${req.body.subarray(0, 160).toString('utf8')}… (${req.body.length} bytes)` : req.body.toString('utf8');
  return `${JSON.stringify(req.method)} ${JSON.stringify(req.target.length > 200 ? `${req.target.slice(0, 200)}… (${req.target.length})` : req.target)} headers=${JSON.stringify(req.headers.filter(([k]) => k !== 'Host' && k !== 'Connection').map(([k, v]) => [k, v.length > 60 ? `${v.slice(0, 60)}…` : v]))}${req.sendBytes === undefined ? '' : ` sent=${req.sendBytes}`} body=${JSON.stringify(body)}`;
}
