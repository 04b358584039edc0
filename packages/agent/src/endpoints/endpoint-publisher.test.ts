/** EndpointPublisher against a real etcd, fed unit states as the state publisher would feed it. */
import { EtcdRegistry, type PresenceLease, type UnitRecord, type UnitStateRecord } from '@flotilla/core';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEtcd, type EtcdHandle } from '../../../../test/harness/etcd.js';
import { waitUntil } from '../../../../test/harness/exec.js';
import { EndpointPublisher } from './endpoint-publisher.js';

const M = 'e1000000000000000000000000000001';
let etcd: EtcdHandle;
let registry: EtcdRegistry;
let lease: PresenceLease;

beforeAll(async () => {
  etcd = await startEtcd();
  registry = await EtcdRegistry.connect({ endpoints: etcd.endpoints, prefix: '/endpoint-publisher/' });
  lease = await registry.registerMachine({ id: M, hostname: 'm', ip: '10.0.0.9', metadata: {}, version: 't', startedAt: 0 }, 30);
});
afterAll(async () => {
  await registry?.close();
  await etcd?.stop();
});

const fl = (name: string, value: string) => ({ section: 'X-Flotilla', name, value });
const submit = (name: string, port?: string, more: { section: string; name: string; value: string }[] = []): Promise<UnitRecord> =>
  registry.submitUnit({
    name,
    options: [{ section: 'Service', name: 'ExecStart', value: '/bin/true' }, ...(port ? [fl('Port', port)] : []), ...more],
  });
const state = (u: UnitRecord, activeState: string, hash = u.hash): UnitStateRecord => ({
  unit: u.name, machineId: M, hash, loadState: 'loaded', activeState, subState: activeState === 'active' ? 'running' : 'dead', updatedAt: 0,
});

test('publishes while active with a port, removes on stop and on gone; no port or a stale hash publishes nothing', async () => {
  const publisher = new EndpointPublisher({ registry, machineId: M, ip: '10.0.0.9', logger: pino({ level: 'silent' }), lease: () => lease });
  const web = await submit('web.service', '8080');
  const api = await submit('api.service', '9000');
  const plain = await submit('plain.service');
  publisher.observe(state(web, 'active'));
  publisher.observe(state(api, 'active', 'stale-hash'));
  publisher.observe(state(plain, 'active'));
  await publisher.idle();
  expect(await registry.listEndpoints()).toEqual([{ unit: 'web.service', machineId: M, ip: '10.0.0.9', port: 8080, service: 'web' }]);

  publisher.observe(state(api, 'active'));
  publisher.observe(state(web, 'deactivating'));
  await publisher.idle();
  expect(await registry.listEndpoints()).toEqual([{ unit: 'api.service', machineId: M, ip: '10.0.0.9', port: 9000, service: 'api' }]);

  publisher.gone('api.service');
  await publisher.idle();
  expect(await registry.listEndpoints()).toEqual([]);
});

test('the discovery name goes with the endpoint: ServiceName= and Project=, or none for a prefix that is no DNS label', async () => {
  const publisher = new EndpointPublisher({ registry, machineId: M, ip: '10.0.0.9', logger: pino({ level: 'silent' }), lease: () => lease });
  const named = await submit('shop-db@1.service', '5432', [fl('ServiceName', 'DB'), fl('Project', 'shop')]);
  const dotted = await submit('a.b.service', '81');
  publisher.observe(state(named, 'active'));
  publisher.observe(state(dotted, 'active'));
  await publisher.idle();
  expect(await registry.listEndpoints()).toEqual([
    { unit: 'a.b.service', machineId: M, ip: '10.0.0.9', port: 81 },
    { unit: 'shop-db@1.service', machineId: M, ip: '10.0.0.9', port: 5432, service: 'db', project: 'shop' },
  ]);
  publisher.gone('a.b.service');
  publisher.gone('shop-db@1.service');
  await publisher.idle();
});

test('a failed write is retried without a new state', async () => {
  let failures = 1;
  const flaky = Object.create(registry) as EtcdRegistry;
  flaky.publishEndpoint = (endpoint, l) => (failures-- > 0 ? Promise.reject(new Error('etcd away')) : registry.publishEndpoint(endpoint, l));
  const publisher = new EndpointPublisher({ registry: flaky, machineId: M, ip: '10.0.0.9', logger: pino({ level: 'silent' }), lease: () => lease });
  const retry = await submit('retry.service', '7000');
  publisher.observe(state(retry, 'active'));
  await publisher.idle();
  expect(await registry.listEndpoints()).toEqual([]);
  await waitUntil('the retried endpoint', async () => ((await registry.listEndpoints()).length === 1 ? true : undefined), { timeoutMs: 10_000, intervalMs: 100 });
  expect(await registry.listEndpoints()).toEqual([{ unit: 'retry.service', machineId: M, ip: '10.0.0.9', port: 7000, service: 'retry' }]);
});

test('only a ready instance is published: not while a check it declares is starting, failing or not reported yet', async () => {
  const publisher = new EndpointPublisher({ registry, machineId: M, ip: '10.0.0.9', logger: pino({ level: 'silent' }), lease: () => lease });
  const checked = await submit('checked.service', '8081', [fl('HealthCheck', 'http://127.0.0.1:8081/')]);
  const db = await submit('db.container', '6379', [{ section: 'Container', name: 'HealthCmd', value: 'redis-cli ping' }]);
  const health = (status: 'starting' | 'healthy' | 'unhealthy') => ({ status, checkedAt: 0, failures: status === 'unhealthy' ? 2 : 0 });
  const ports = async (unit: string) => (await registry.listEndpoints()).filter((e) => e.unit === unit).map((e) => e.port);
  const steps: [UnitRecord, Partial<UnitStateRecord>, number[]][] = [
    [checked, { health: health('starting') }, []],
    [checked, { health: health('healthy') }, [8081]],
    [checked, { health: health('unhealthy') }, []],
    [checked, { health: health('healthy') }, [8081]],
    // The engine's HealthCmd result comes a reconcile pass after `active`: no endpoint until it says healthy.
    [db, {}, []],
    [db, { container: { state: 'running', health: 'starting' } }, []],
    [db, { container: { state: 'running', health: 'healthy' } }, [6379]],
    [db, { container: { state: 'running', health: 'unhealthy' } }, []],
  ];
  for (const [unit, extra, want] of steps) {
    publisher.observe({ ...state(unit, 'active'), ...extra });
    await publisher.idle();
    expect(await ports(unit.name), `${unit.name} ${JSON.stringify(extra)}`).toEqual(want);
  }
  publisher.gone('checked.service');
  publisher.gone('db.container');
  await publisher.idle();
});
