import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseUnitFile, unitNameProblem } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { containerUnitRenderer } from './index.js';
import { containerRenderer, containerServiceName, renderContainerService, type ContainerRendererConfig } from './render.js';

const CONFIG: ContainerRendererConfig = {
  machineId: 'm1',
  prepareCommand: ['/usr/bin/node', '/opt/flotilla/prepare.js'],
  unitsDir: '/run/flotilla/units',
};
const PREPARE = '/usr/bin/node /opt/flotilla/prepare.js prepare';

/** A unit file from lines; sections as written. */
const unit = (...lines: string[]) => parseUnitFile(`${lines.join('\n')}\n`);

describe('renderContainerService', () => {
  test.each([
    {
      name: 'minimal: docker by default, Quadlet container name, engine dependency, stop and cleanup',
      unitName: 'hello.container',
      file: unit('[Container]', 'Image=fl/busybox:1'),
      config: CONFIG,
      expected: [
        '[Unit]',
        'Wants=docker.service',
        'After=docker.service',
        '',
        '[Service]',
        'Environment=FLOTILLA_CONTAINER=systemd-hello',
        `ExecStartPre=${PREPARE} --engine=docker --unit=hello.container --container=systemd-hello --image=fl/busybox:1 --machine=m1 --units-dir=/run/flotilla/units`,
        'ExecStart=/usr/bin/docker run --rm --name systemd-hello --pull=never --label io.flotilla.unit=hello.container --label io.flotilla.machine=m1 --stop-timeout=10 fl/busybox:1',
        'ExecStop=-/usr/bin/docker stop --time=10 systemd-hello',
        'ExecStopPost=-/usr/bin/docker rm --force systemd-hello',
        'SuccessExitStatus=143',
        'TimeoutStartSec=300',
        'TimeoutStopSec=20',
      ],
    },
    {
      name: 'every [Container] key; user [Unit], [Service], [X-Fleet] pass through; Exec kept for systemd to split',
      unitName: 'web@1.container',
      file: unit(
        '[Unit]', 'Description=web %i',
        '[Container]', 'Image=fl/web:1', 'Exec=httpd -f -p 80 -h /www', 'Environment=A=1 "B=two words"',
        'Environment=C=$HOME', 'PublishPort=8080:80', 'Volume=/srv:/www:ro', 'Network=host', 'Label=tier=web team=a',
        'User=1000:1000', 'HealthCmd=wget -q -O- http://127.0.0.1/', 'HealthInterval=2s', 'HealthRetries=3',
        'RunInit=yes', 'StopTimeout=3',
        '[Service]', 'Restart=always', 'RestartSec=1',
        '[X-Fleet]', 'Conflicts=web@*.container',
      ),
      config: CONFIG,
      expected: [
        '[Unit]',
        'Description=web %i',
        'Wants=docker.service',
        'After=docker.service',
        '',
        '[Service]',
        'Environment=FLOTILLA_CONTAINER=systemd-web_1',
        `ExecStartPre=${PREPARE} --engine=docker --unit=web@1.container --container=systemd-web_1 --image=fl/web:1 --machine=m1 --units-dir=/run/flotilla/units`,
        'ExecStart=/usr/bin/docker run --rm --name systemd-web_1 --pull=never --label io.flotilla.unit=web@1.container ' +
          '--label io.flotilla.machine=m1 --label tier=web --label team=a --env A=1 --env "B=two words" --env "C=$$HOME" ' +
          '--publish 8080:80 --volume /srv:/www:ro --network host --user 1000:1000 --init ' +
          '--health-cmd "wget -q -O- http://127.0.0.1/" --health-interval=2s --health-retries=3 --stop-timeout=3 fl/web:1 ' +
          'httpd -f -p 80 -h /www',
        'ExecStop=-/usr/bin/docker stop --time=3 systemd-web_1',
        'ExecStopPost=-/usr/bin/docker rm --force systemd-web_1',
        'SuccessExitStatus=143',
        'TimeoutStartSec=300',
        'TimeoutStopSec=13',
        'Restart=always',
        'RestartSec=1',
        '',
        '[X-Fleet]',
        'Conflicts=web@*.container',
      ],
    },
    {
      name: 'podman by unit option: --replace, podman.socket, own binary; user TimeoutStopSec wins',
      unitName: 'db.container',
      file: unit('[Container]', 'Image=localhost/fl/db:1', 'ContainerName=db', '[Service]', 'TimeoutStopSec=5', '[X-Flotilla]', 'Engine=podman'),
      config: CONFIG,
      expected: [
        '[Unit]',
        'Wants=podman.socket',
        'After=podman.socket',
        '',
        '[Service]',
        'Environment=FLOTILLA_CONTAINER=db',
        `ExecStartPre=${PREPARE} --engine=podman --unit=db.container --container=db --image=localhost/fl/db:1 --machine=m1 --units-dir=/run/flotilla/units`,
        'ExecStart=/usr/bin/podman run --rm --name db --pull=never --replace --label io.flotilla.unit=db.container --label io.flotilla.machine=m1 --stop-timeout=10 localhost/fl/db:1',
        'ExecStop=-/usr/bin/podman stop --time=10 db',
        'ExecStopPost=-/usr/bin/podman rm --force db',
        'SuccessExitStatus=143',
        'TimeoutStartSec=300',
        'TimeoutStopSec=5',
      ],
    },
    {
      name: 'podman by machine default; a unit may still ask for docker',
      unitName: 'a.container',
      file: unit('[Container]', 'Image=x', '[X-Flotilla]', 'Engine=docker'),
      config: { ...CONFIG, defaultEngine: 'podman' as const, binaries: { docker: '/opt/docker' } },
      expected: [
        '[Unit]',
        'Wants=docker.service',
        'After=docker.service',
        '',
        '[Service]',
        'Environment=FLOTILLA_CONTAINER=systemd-a',
        `ExecStartPre=${PREPARE} --engine=docker --unit=a.container --container=systemd-a --image=x --machine=m1 --units-dir=/run/flotilla/units`,
        'ExecStart=/opt/docker run --rm --name systemd-a --pull=never --label io.flotilla.unit=a.container --label io.flotilla.machine=m1 --stop-timeout=10 x',
        'ExecStop=-/opt/docker stop --time=10 systemd-a',
        'ExecStopPost=-/opt/docker rm --force systemd-a',
        'SuccessExitStatus=143',
        'TimeoutStartSec=300',
        'TimeoutStopSec=20',
      ],
    },
    {
      name: 'the agent health-check keys stay in [X-Flotilla] of the service; Engine= does not',
      unitName: 'h.container',
      file: unit('[Container]', 'Image=x', '[X-Flotilla]', 'Engine=docker', 'HealthCheck=tcp:127.0.0.1:80', 'HealthRetries=2'),
      config: CONFIG,
      expected: [
        '[Unit]',
        'Wants=docker.service',
        'After=docker.service',
        '',
        '[Service]',
        'Environment=FLOTILLA_CONTAINER=systemd-h',
        `ExecStartPre=${PREPARE} --engine=docker --unit=h.container --container=systemd-h --image=x --machine=m1 --units-dir=/run/flotilla/units`,
        'ExecStart=/usr/bin/docker run --rm --name systemd-h --pull=never --label io.flotilla.unit=h.container --label io.flotilla.machine=m1 --stop-timeout=10 x',
        'ExecStop=-/usr/bin/docker stop --time=10 systemd-h',
        'ExecStopPost=-/usr/bin/docker rm --force systemd-h',
        'SuccessExitStatus=143',
        'TimeoutStartSec=300',
        'TimeoutStopSec=20',
        '',
        '[X-Flotilla]',
        'HealthCheck=tcp:127.0.0.1:80',
        'HealthRetries=2',
      ],
    },
  ])('$name', ({ unitName, file, config, expected }) => {
    expect(renderContainerService(unitName, file, config).split('\n')).toEqual([...expected, '']);
  });

  test.each([
    { name: 'no Image', file: unit('[Container]', 'Exec=true'), error: 'x.container: [Container] Image= is required' },
    { name: 'unknown key', file: unit('[Container]', 'Image=a', 'Pod=p'), error: 'x.container: unsupported key [Container] Pod= (supported: ContainerName, Cpus, Entrypoint, Environment, Exec, HealthCmd, HealthInterval, HealthRetries, HealthStartPeriod, HealthTimeout, Image, Label, Memory, Network, PublishPort, RunInit, StopTimeout, User, Volume)' },
    { name: 'a key named like an Object.prototype member', file: unit('[Container]', 'Image=a', 'constructor=x'), error: 'x.container: unsupported key [Container] constructor= (supported: ContainerName, Cpus, Entrypoint, Environment, Exec, HealthCmd, HealthInterval, HealthRetries, HealthStartPeriod, HealthTimeout, Image, Label, Memory, Network, PublishPort, RunInit, StopTimeout, User, Volume)' },
    { name: 'the key __proto__', file: unit('[Container]', 'Image=a', '__proto__=x'), error: 'x.container: unsupported key [Container] __proto__= (supported: ContainerName, Cpus, Entrypoint, Environment, Exec, HealthCmd, HealthInterval, HealthRetries, HealthStartPeriod, HealthTimeout, Image, Label, Memory, Network, PublishPort, RunInit, StopTimeout, User, Volume)' },
    { name: 'ExecStart in [Service]', file: unit('[Container]', 'Image=a', '[Service]', 'ExecStart=/bin/true'), error: 'x.container: [Service] ExecStart= is set by the container unit; remove it' },
    { name: 'bad engine', file: unit('[Container]', 'Image=a', '[X-Flotilla]', 'Engine=rkt'), error: 'x.container: [X-Flotilla] Engine= must be docker or podman, got "rkt"' },
    { name: 'Environment without =', file: unit('[Container]', 'Image=a', 'Environment=JUSTKEY'), error: 'x.container: expected KEY=VALUE, got "JUSTKEY"' },
    { name: 'unterminated quote', file: unit('[Container]', 'Image=a', 'Label="a=b'), error: 'x.container: [Container] Label=: unterminated " quote in "\\"a=b"' },
    { name: 'health options without HealthCmd', file: unit('[Container]', 'Image=a', 'HealthRetries=2'), error: 'x.container: HealthRetries without HealthCmd=' },
    { name: 'non-numeric StopTimeout', file: unit('[Container]', 'Image=a', 'StopTimeout=10s'), error: 'x.container: [Container] StopTimeout= must be a whole number, got "10s"' },
    { name: 'bad RunInit', file: unit('[Container]', 'Image=a', 'RunInit=maybe'), error: 'x.container: [Container] RunInit= must be a boolean, got "maybe"' },
    { name: 'bad ContainerName', file: unit('[Container]', 'Image=a', 'ContainerName=-x'), error: 'x.container: invalid ContainerName "-x"' },
  ])('refuses $name with CONTAINER_UNIT_INVALID', ({ file, error }) => {
    expect(() => renderContainerService('x.container', file, CONFIG)).toThrow(expect.objectContaining({ code: 'CONTAINER_UNIT_INVALID', message: error }));
  });
});

describe('containerServiceName', () => {
  test.each([
    { unitName: 'hello.container', service: 'hello.service' },
    { unitName: 'web@.container', service: 'web@.service' },
    { unitName: 'web@1.container', service: 'web@1.service' },
  ])('$unitName runs as $service', ({ unitName, service }) => {
    expect(containerServiceName(unitName)).toBe(service);
    expect(containerRenderer(CONFIG).systemdName(unitName)).toBe(service);
  });

  test('refuses a non-container unit', () => {
    expect(() => containerServiceName('hello.service')).toThrow(expect.objectContaining({ code: 'CONTAINER_UNIT_INVALID' }));
  });
});

describe('containerUnitRenderer (what the daemon hands the agent)', () => {
  const renderer = containerUnitRenderer({ machineId: 'm1', unitsDir: '/run/flotilla/units' });

  test('names: core accepts container units and templates; the renderer maps them to services', () => {
    expect(['web.container', 'web@.container', 'web@1.container'].map(unitNameProblem)).toEqual([undefined, undefined, undefined]);
    expect(renderer.suffix).toBe('.container');
    expect(renderer.systemdName('web@1.container')).toBe('web@1.service');
  });

  test('the prepare step runs with this node and this package’s prepare-main.js', () => {
    const text = renderer.render('a.container', unit('[Container]', 'Image=x'));
    expect(text).toContain(`ExecStartPre=${process.execPath} ${path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'prepare-main.js')} prepare --engine=docker `);
  });

  test('an invalid unit renders as a service that fails at once with the reason (the agent’s other units carry on)', () => {
    expect(renderer.render('bad.container', unit('[Container]', 'Exec=true')).split('\n')).toEqual([
      '[Unit]',
      'Description=invalid container unit bad.container',
      '',
      '[Service]',
      'Type=oneshot',
      'ExecStart=/bin/sh -c "echo \\"$$0\\" >&2; exit 1" "CONTAINER_UNIT_INVALID: bad.container: [Container] Image= is required"',
      '',
    ]);
  });

  test.each([
    { name: 'docker by default', engine: undefined, expected: '--engine=docker' },
    { name: 'podman for the machine', engine: 'podman', expected: '--engine=podman' },
  ])('$name', ({ engine, expected }) => {
    const r = containerUnitRenderer({ machineId: 'm1', ...(engine ? { defaultEngine: engine } : {}) });
    expect(r.render('a.container', unit('[Container]', 'Image=x'))).toContain(expected);
  });

  test('an unknown machine default engine is refused at start', () => {
    expect(() => containerUnitRenderer({ machineId: 'm1', defaultEngine: 'rkt' })).toThrow(expect.objectContaining({ code: 'CONTAINER_UNIT_INVALID' }));
  });
});
