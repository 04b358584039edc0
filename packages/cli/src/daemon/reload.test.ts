import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { readDaemonConfig } from './config.js';
import { baseEnv, planReload, Reloader, type Env, type ReloadTarget } from './reload.js';

describe('baseEnv', () => {
  test('drops what the file set at start; keeps what the process had otherwise', () => {
    expect(baseEnv({ PATH: '/bin', FLOTILLA_METADATA: 'a=1', FLOTILLA_LOG_LEVEL: 'debug' }, { FLOTILLA_METADATA: 'a=1', FLOTILLA_LOG_LEVEL: 'info' }))
      .toEqual({ PATH: '/bin', FLOTILLA_LOG_LEVEL: 'debug' });
  });
});

describe('planReload', () => {
  const applied: Env = { PATH: '/bin', FLOTILLA_ENDPOINT: 'http://a:2379', FLOTILLA_METADATA: 'role=worker' };
  const base: Env = { PATH: '/bin' };
  test.each<{ name: string; file: Record<string, string>; live: string[]; needsRestart: string[] }>([
    { name: 'unchanged file', file: { FLOTILLA_ENDPOINT: 'http://a:2379', FLOTILLA_METADATA: 'role=worker' }, live: [], needsRestart: [] },
    { name: 'metadata and log level: live', file: { FLOTILLA_ENDPOINT: 'http://a:2379', FLOTILLA_METADATA: 'role=db', FLOTILLA_LOG_LEVEL: 'debug' },
      live: ['FLOTILLA_LOG_LEVEL', 'FLOTILLA_METADATA'], needsRestart: [] },
    { name: 'endpoint, TTL, API listener, node flags: need a restart', file: {
      FLOTILLA_ENDPOINT: 'http://b:2379', FLOTILLA_METADATA: 'role=worker', FLOTILLA_AGENT_TTL: '5', FLOTILLA_API_LISTEN: ':54728', FLOTILLA_NODE_FLAGS: '',
    }, live: [], needsRestart: ['FLOTILLA_AGENT_TTL', 'FLOTILLA_API_LISTEN', 'FLOTILLA_ENDPOINT', 'FLOTILLA_NODE_FLAGS'] },
    { name: 'a key removed from the file falls back to the base (here: unset)', file: { FLOTILLA_ENDPOINT: 'http://a:2379' },
      live: ['FLOTILLA_METADATA'], needsRestart: [] },
  ])('$name', ({ file, live, needsRestart }) => {
    const plan = planReload(applied, base, file);
    expect({ live: plan.live, needsRestart: plan.needsRestart }).toEqual({ live, needsRestart });
    expect(plan.env).toEqual({ ...base, ...file });
  });
});

describe('Reloader', () => {
  const FILE = 'FLOTILLA_ENDPOINT=http://a:2379\nFLOTILLA_METADATA=role=worker\n';
  /** A daemon started from FILE (as systemd's EnvironmentFile= would have it), whose file now says `now`. */
  function setUp(now: () => string) {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) }));
    const env: Env = { PATH: '/bin', FLOTILLA_CONFIG_FILE: '/etc/test.env', FLOTILLA_ENDPOINT: 'http://a:2379', FLOTILLA_METADATA: 'role=worker' };
    let calls = 0;
    const reloader = new Reloader({
      env, config: readDaemonConfig(env), logger,
      readFile: (file) => {
        expect(file).toBe('/etc/test.env');
        return calls++ === 0 ? FILE : now();
      },
    });
    const target = { machine: [] as unknown[], rebalance: [] as number[] };
    const daemon: ReloadTarget = {
      updateMachine: async (change) => (target.machine.push(change), true),
      setRebalanceInterval: (ms) => void target.rebalance.push(ms),
    };
    reloader.attach(daemon);
    return { reloader, logger, lines, target };
  }

  test('new metadata, log level and rebalance interval are applied; the machine record rewritten once', async () => {
    const { reloader, logger, target } = setUp(() => `${FILE}FLOTILLA_METADATA=role=db,zone=b\nFLOTILLA_LOG_LEVEL=debug\nFLOTILLA_REBALANCE_INTERVAL=5\n`);
    expect(await reloader.reload()).toEqual({
      status: 'applied', live: ['FLOTILLA_LOG_LEVEL', 'FLOTILLA_METADATA', 'FLOTILLA_REBALANCE_INTERVAL'], needsRestart: [],
    });
    expect(logger.level).toBe('debug');
    expect(target).toEqual({ machine: [{ metadata: { role: 'db', zone: 'b' }, publicIp: '' }], rebalance: [5000] });
    expect(reloader.config).toMatchObject({ metadata: { role: 'db', zone: 'b' }, logLevel: 'debug', rebalanceIntervalMs: 5000 });
    // The same file again: nothing changed any more.
    expect(await reloader.reload()).toEqual({ status: 'applied', live: [], needsRestart: [] });
    expect(target.machine).toHaveLength(1);
  });

  test('a bad value: rejected naming the key, nothing applied, never thrown', async () => {
    const { reloader, lines, target } = setUp(() => `${FILE}FLOTILLA_METADATA=role=db\nFLOTILLA_REBALANCE_INTERVAL=soon\n`);
    expect(await reloader.reload()).toEqual({
      status: 'rejected', key: 'FLOTILLA_REBALANCE_INTERVAL', message: 'FLOTILLA_REBALANCE_INTERVAL: expected a positive number of seconds, got "soon"',
    });
    expect(target).toEqual({ machine: [], rebalance: [] });
    expect(reloader.config.metadata).toEqual({ role: 'worker' });
    expect(lines.find((l) => l.level === 50)).toMatchObject({ key: 'FLOTILLA_REBALANCE_INTERVAL' });
  });

  test('what needs a restart is logged as such on every reload until then; the running config keeps it', async () => {
    const { reloader, lines } = setUp(() => 'FLOTILLA_ENDPOINT=http://b:2379\nFLOTILLA_METADATA=role=worker\n');
    for (let i = 0; i < 2; i++) expect(await reloader.reload()).toEqual({ status: 'applied', live: [], needsRestart: ['FLOTILLA_ENDPOINT'] });
    expect(lines.filter((l) => l.msg === 'needs a restart: FLOTILLA_ENDPOINT')).toHaveLength(2);
    expect(reloader.config.endpoints).toEqual(['http://a:2379']);
  });

  test('an unreadable file: rejected, the running config kept', async () => {
    const { reloader } = setUp(() => {
      throw new Error('ENOENT');
    });
    expect(await reloader.reload()).toEqual({ status: 'rejected', key: 'FLOTILLA_CONFIG_FILE', message: 'cannot read /etc/test.env: ENOENT' });
  });
});
