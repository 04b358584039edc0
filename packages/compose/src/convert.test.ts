/** convert(): compose text → units, in tables (docs/compose.md). Golden files hold whole outputs (golden.test.ts). */
import { describe, expect, test } from 'vitest';
import { convert, type ConvertOptions } from './convert.js';
import { ComposeInvalidError, ComposeUnsupportedError, formatProblem } from './errors.js';

const FILE = '/srv/shop/compose.yaml';
const run = (yaml: string, opts: Partial<ConvertOptions> = {}) => convert(yaml, { file: FILE, env: {}, ...opts });
/** The `[Section] Key=Value` lines of the one unit of a single-service file. */
const lines = (service: string, opts: Partial<ConvertOptions> = {}) =>
  run(`services:\n  s:\n${service.replace(/^/gm, '    ')}\n`, opts).units[0]!.options.map((o) => `[${o.section}] ${o.name}=${o.value}`);
const errorOf = (yaml: string, opts: Partial<ConvertOptions> = {}): string => {
  try {
    run(yaml, opts);
  } catch (err) {
    return `${(err as { code: string }).code} ${(err as Error).message}`;
  }
  throw new Error('no error');
};

describe('service keys → unit lines', () => {
  test.each([
    { name: 'image only: defaults', yaml: 'image: img:1', has: ['[Container] Image=img:1', '[Service] Restart=always', '[X-Flotilla] ServiceName=s', '[X-Flotilla] Project=shop'] },
    { name: 'command as a string is split as a shell would', yaml: `image: i\ncommand: sh -c 'echo "a b" $$HOME 100%'`, has: ['[Container] Exec=sh -c "echo \\"a b\\" $$HOME 100%%"'] },
    { name: 'command as a list', yaml: 'image: i\ncommand: ["a b", c]', has: ['[Container] Exec="a b" c'] },
    { name: 'entrypoint list: program + arguments before the command', yaml: 'image: i\nentrypoint: [/bin/sh, -c]\ncommand: [echo hi]', has: ['[Container] Entrypoint=/bin/sh', '[Container] Exec=-c "echo hi"'] },
    { name: 'environment map; values quoted for systemd', yaml: 'image: i\nenvironment:\n  A: 1\n  B: two words\n  C: "50%"', has: ['[Container] Environment=A=1', '[Container] Environment="B=two words"', '[Container] Environment=C=50%%'] },
    { name: 'environment list; KEY alone takes the CLI environment', yaml: 'image: i\nenvironment: [A=1, HOME_DIR]', env: { HOME_DIR: '/h' }, has: ['[Container] Environment=A=1'] },
    { name: 'ports: host port as given, same number when absent; Port= is the first tcp one', yaml: 'image: i\nports: ["53:53/udp", "8080", "127.0.0.1:9000:90"]', has: ['[Container] PublishPort=53:53/udp', '[Container] PublishPort=8080:8080', '[Container] PublishPort=127.0.0.1:9000:90', '[X-Flotilla] Port=8080'] },
    { name: 'ports long syntax', yaml: 'image: i\nports: [{target: 80, published: 8081}]', has: ['[Container] PublishPort=8081:80', '[X-Flotilla] Port=8081'] },
    { name: 'expose is published at the same number', yaml: 'image: i\nexpose: ["6379"]', has: ['[Container] PublishPort=6379:6379', '[X-Flotilla] Port=6379'] },
    { name: 'bind mounts: absolute as is, relative to the file', yaml: 'image: i\nvolumes: ["/etc/x:/x:ro", "./data:/data", {type: bind, source: /a, target: /b}]', has: ['[Container] Volume=/etc/x:/x:ro', '[Container] Volume=/srv/shop/data:/data', '[Container] Volume=/a:/b'] },
    { name: 'anonymous volume', yaml: 'image: i\nvolumes: [/cache]', has: ['[Container] Volume=/cache'] },
    { name: 'healthcheck CMD → one shell line', yaml: 'image: i\nhealthcheck:\n  test: [CMD, wget, -q, "http://x/?a=1&b"]\n  interval: 5s\n  timeout: 1s\n  retries: 2\n  start_period: 10s', has: ["[Container] HealthCmd=wget -q 'http://x/?a=1&b'", '[Container] HealthInterval=5s', '[Container] HealthTimeout=1s', '[Container] HealthRetries=2', '[Container] HealthStartPeriod=10s'] },
    { name: 'healthcheck CMD-SHELL', yaml: 'image: i\nhealthcheck: {test: [CMD-SHELL, "pg_isready || exit 1"]}', has: ['[Container] HealthCmd=pg_isready || exit 1'] },
    { name: 'restart: no', yaml: 'image: i\nrestart: "no"', has: ['[Service] Restart=no'], hasNot: ['[Service] RestartSec=1'] },
    { name: 'restart: unless-stopped', yaml: 'image: i\nrestart: unless-stopped', has: ['[Service] Restart=always', '[Service] RestartSec=1'] },
    { name: 'restart: on-failure', yaml: 'image: i\nrestart: on-failure', has: ['[Service] Restart=on-failure'] },
    { name: 'labels, after compose’s own', yaml: 'image: i\nlabels: {team: web}', has: ['[Container] Label=com.docker.compose.project=shop', '[Container] Label=com.docker.compose.service=s', '[Container] Label=team=web'] },
    { name: 'placement by machine metadata', yaml: 'image: i\ndeploy: {placement: {constraints: ["node.labels.disk == ssd", "node.labels.zone==a"]}}', has: ['[X-Fleet] MachineMetadata=disk=ssd', '[X-Fleet] MachineMetadata=zone=a'] },
    { name: 'node.hostname → the machine of that hostname', yaml: 'image: i\ndeploy: {placement: {constraints: ["node.hostname == m2"]}}', opts: { machineIdOf: (h: string) => (h === 'm2' ? 'abc123' : undefined) }, has: ['[X-Fleet] MachineID=abc123'] },
    { name: 'resource limits on the container', yaml: 'image: i\ndeploy: {resources: {limits: {memory: 512M, cpus: "0.5"}}}', has: ['[Container] Memory=512m', '[Container] Cpus=0.5'] },
    { name: 'global', yaml: 'image: i\ndeploy: {mode: global}', has: ['[X-Fleet] Global=true'] },
    { name: 'update_config → deploy strategy keys', yaml: 'image: i\ndeploy: {replicas: 2, update_config: {parallelism: 1, monitor: 30s, failure_action: rollback}}\nx-flotilla: {HealthyDeadline: 2m}', has: ['[X-Flotilla] MaxParallel=1', '[X-Flotilla] MinHealthyTime=30s', '[X-Flotilla] HealthyDeadline=2m', '[X-Flotilla] AutoRevert=true', '[X-Flotilla] Replicas=2'] },
    { name: 'failure_action pause → no auto revert', yaml: 'image: i\ndeploy: {update_config: {failure_action: pause}}', has: ['[X-Flotilla] AutoRevert=false'] },
    { name: 'x-flotilla Conflicts and MachineOf (unit globs)', yaml: 'image: i\nx-flotilla: {Conflicts: [other*.service], MachineOf: web.service}', has: ['[X-Fleet] Conflicts=other*.service', '[X-Fleet] MachineOf=web.service'] },
    { name: 'extension keys are ignored', yaml: 'image: i\nx-note: anything', has: ['[Container] Image=i'] },
  ])('$name', ({ yaml, has, hasNot, env, opts }) => {
    const got = lines(yaml, { ...(env ? { env } : {}), ...(opts ?? {}) });
    for (const line of has) expect(got).toContain(line);
    for (const line of hasNot ?? []) expect(got).not.toContain(line);
  });

  test('replicas → a template with the count; published ports → instances conflict', () => {
    const { units } = run('services:\n  web:\n    image: i\n    ports: ["80:80"]\n    deploy: {replicas: 3}\n');
    expect(units.map((u) => [u.name, u.replicas])).toEqual([['shop-web@.container', 3]]);
    expect(units[0]!.text).toContain('[X-Fleet]\nConflicts=shop-web@*.container\n');
    expect(units[0]!.text).toContain('Description=compose shop service web %i\n');
  });

  test('x-flotilla names a service of the project: its unit', () => {
    const { units } = run('services:\n  a: {image: i, x-flotilla: {MachineOf: b, Conflicts: c}}\n  b: {image: i}\n  c: {image: i, deploy: {replicas: 2}}\n');
    expect(units[0]!.text).toContain('Conflicts=shop-c@*.container\nMachineOf=shop-b.container\n');
  });
});

describe('project name', () => {
  test.each([
    { name: '-p first', yaml: 'name: fromfile\nservices: {s: {image: i}}', opts: { project: 'Cli_P' }, want: 'cli_p' },
    { name: 'then name:', yaml: 'name: fromfile\nservices: {s: {image: i}}', opts: {}, want: 'fromfile' },
    { name: 'then the directory', yaml: 'services: {s: {image: i}}', opts: { file: '/x/My.App/compose.yml' }, want: 'myapp' },
  ])('$name', ({ yaml, opts, want }) => {
    const { project, units } = run(yaml, opts);
    expect(project.name).toBe(want);
    expect(units[0]!.name).toBe(`${want}-s.container`);
  });
});

describe('interpolation', () => {
  test.each([
    { value: '${A}', env: { A: 'x' }, want: 'x' },
    { value: '$A-$B', env: { A: 'x', B: 'y' }, want: 'x-y' },
    { value: '${A:-def}', env: {}, want: 'def' },
    { value: '${A:-def}', env: { A: '' }, want: 'def' },
    { value: '${A-def}', env: { A: '' }, want: '' },
    { value: '${A:+alt}', env: { A: 'x' }, want: 'alt' },
    // Quoted for systemd's word splitting, which the agent applies to Environment=.
    { value: '$${A}', env: { A: 'x' }, want: '"V=${A}"' },
  ])('$value with $env → $want', ({ value, env, want }) => {
    expect(lines(`image: i\nenvironment: {V: "${value}"}`, { env })).toContain(`[Container] Environment=${want.startsWith('"') ? want : `V=${want}`}`);
  });

  test('an unset variable warns once and is empty', () => {
    const { project } = run('services:\n  s:\n    image: "i:${TAG}"\n    environment: {T: "${TAG}"}\n');
    expect(project.warnings.map(formatProblem)).toEqual([`${FILE}:3: variable TAG is not set; using an empty string`]);
  });

  test('${VAR:?message} without a value is an error at its line', () => {
    expect(errorOf('services:\n  s:\n    image: "${IMG:?set IMG}"\n')).toBe(`COMPOSE_INVALID ${FILE}:3: required variable IMG is missing a value: set IMG`);
  });
});

describe('env_file', () => {
  test('read from the file’s directory; environment wins', () => {
    const files: Record<string, string> = { '/srv/shop/app.env': '# comment\nA=from-file\nB="quoted value"\nexport C=3\n' };
    const got = lines('image: i\nenv_file: app.env\nenvironment: {C: over}', { readFile: (f) => files[f] });
    expect(got.filter((l) => l.includes('Environment'))).toEqual(['[Container] Environment=A=from-file', '[Container] Environment="B=quoted value"', '[Container] Environment=C=over']);
  });

  test('a missing file is an error; required: false is not', () => {
    expect(errorOf('services:\n  s:\n    image: i\n    env_file: [nope.env]\n')).toBe(`COMPOSE_INVALID ${FILE}:4: service s: key env_file: nope.env (/srv/shop/nope.env) cannot be read`);
    expect(() => run('services:\n  s:\n    image: i\n    env_file: [{path: nope.env, required: false}]\n')).not.toThrow();
  });
});

describe('unsupported keys: FILE:LINE: service S: key K is not supported', () => {
  const yaml = [
    'services:', //           1
    '  web:', //              2
    '    image: i', //        3
    '    build: {ssh: [default]}', // 4
    '    deploy:', //         5
    '      restart_policy:', // 6
    '        condition: any', // 7
    '    healthcheck:', //    8
    '      test: "true"', //  9
    '      start_interval: 1s', // 10
    'networks:', //           11
    '  front: {}', //         12
    '',
  ].join('\n');

  test('all of them, each at its line, and nothing converted', () => {
    expect(() => run(yaml)).toThrow(ComposeUnsupportedError);
    expect(errorOf(yaml)).toBe([
      `COMPOSE_UNSUPPORTED ${FILE}:11: key networks is not supported`,
      `${FILE}:4: service web: key build.ssh is not supported`,
      `${FILE}:6: service web: key deploy.restart_policy is not supported`,
      `${FILE}:10: service web: key healthcheck.start_interval is not supported`,
    ].join('\n'));
  });

  test('--ignore-unsupported: warnings, and the unit without them', () => {
    const { project, units } = run(yaml, { ignoreUnsupported: true });
    expect(project.warnings.map(formatProblem)).toContain(`${FILE}:4: service web: key build.ssh is not supported (ignored)`);
    expect(units.map((u) => u.name)).toEqual(['shop-web.container']);
  });

  test.each([
    { name: 'depends_on condition', yaml: 'services:\n  a:\n    image: i\n    depends_on:\n      b: {condition: service_completed_successfully}\n  b: {image: i}\n', error: `${FILE}:5: service a: key depends_on.b.condition: service_completed_successfully is not supported (service_started, service_healthy)` },
    { name: 'a constraint fleet has no rule for', yaml: 'services:\n  a:\n    image: i\n    deploy:\n      placement:\n        constraints:\n          - node.role == manager\n', error: `${FILE}:7: service a: constraint "node.role == manager" is not supported (node.labels.K == V, node.hostname == H)` },
    { name: 'a negated constraint', yaml: 'services:\n  a:\n    image: i\n    deploy: {placement: {constraints: ["node.labels.a != b"]}}\n', error: `${FILE}:4: service a: constraint "node.labels.a != b" is not supported (node.labels.K == V, node.hostname == H)` },
    { name: 'top-level volume options', yaml: 'services:\n  a: {image: i}\nvolumes:\n  v:\n    driver: nfs\n', error: `${FILE}:5: key volumes.v.driver is not supported` },
  ])('$name', ({ yaml: text, error }) => {
    expect(errorOf(text)).toBe(`COMPOSE_UNSUPPORTED ${error}`);
  });
});

describe('build: the unit runs the build pushed to the cluster registry', () => {
  const specOf = (service: string) => run(`services:\n  s:\n${service.replace(/^/gm, '    ')}\n`).project.services[0]!;
  test.each([
    { name: 'a context string; no image: tag latest', yaml: 'build: ./app', image: 'registry.flotilla:5000/shop/s:latest', build: { context: '/srv/shop/app', args: [] } },
    { name: 'image gives the tag, not the repository', yaml: 'build: .\nimage: example/web:1.2', image: 'registry.flotilla:5000/shop/s:1.2', build: { context: '/srv/shop', args: [] } },
    { name: 'an image with a registry port and no tag', yaml: 'build: .\nimage: localhost:5000/web', image: 'registry.flotilla:5000/shop/s:latest', build: { context: '/srv/shop', args: [] } },
    {
      name: 'the map form: context, dockerfile, args (map; null left to the Dockerfile), target',
      yaml: 'build:\n  context: /abs/ctx\n  dockerfile: docker/Dockerfile.prod\n  args: {A: 1, B: null, C: two words}\n  target: runtime\nimage: w:3',
      image: 'registry.flotilla:5000/shop/s:3',
      build: { context: '/abs/ctx', dockerfile: 'docker/Dockerfile.prod', args: [['A', '1'], ['C', 'two words']], target: 'runtime' },
    },
    { name: 'args as a list; context defaults to the file’s directory', yaml: 'build:\n  args: [A=1, B]', image: 'registry.flotilla:5000/shop/s:latest', build: { context: '/srv/shop', args: [['A', '1']] } },
  ])('$name', ({ yaml, image, build }) => {
    const spec = specOf(yaml);
    expect(spec.image).toBe(image);
    expect(spec.build).toEqual({ ...build, image });
    expect(lines(yaml)).toContain(`[Container] Image=${image}`);
  });

  test.each([
    { name: 'a remote context', yaml: 'services:\n  s:\n    build:\n      context: https://github.com/x/y.git\n', error: `COMPOSE_UNSUPPORTED ${FILE}:4: service s: key build.context: https://github.com/x/y.git is not supported (a local directory only)` },
    { name: 'sub-keys Flotilla does not pass on', yaml: 'services:\n  s:\n    build:\n      context: .\n      cache_from: [x]\n      platforms: [linux/arm64]\n', error: `COMPOSE_UNSUPPORTED ${FILE}:5: service s: key build.cache_from is not supported\n${FILE}:6: service s: key build.platforms is not supported` },
    { name: 'build of the wrong type', yaml: 'services:\n  s:\n    build: [a]\n', error: `COMPOSE_INVALID ${FILE}:3: service s: key build: expected a context directory or a map (context, dockerfile, args, target)` },
    { name: 'a bad tag in image', yaml: 'services:\n  s:\n    build: .\n    image: w:-x\n', error: `COMPOSE_INVALID ${FILE}:4: service s: key image: tag "-x" is not a valid tag (letters, digits, _ . -)` },
  ])('$name', ({ yaml, error }) => {
    expect(errorOf(yaml)).toBe(error);
  });
});

describe('invalid files: COMPOSE_INVALID at the line', () => {
  test.each([
    { name: 'not YAML', yaml: 'services:\n  a: [\n', error: `${FILE}:3:` },
    { name: 'no image', yaml: 'services:\n  a:\n    command: x\n', error: `${FILE}:2: service a: key image is required (a built image, e.g. localhost/app:1), or build` },
    { name: 'service name that is no DNS label', yaml: 'services:\n  My.App: {image: i}\n', error: `${FILE}:2: service My.App: the service name is its DNS name` },
    { name: 'depends_on an unknown service', yaml: 'services:\n  a:\n    image: i\n    depends_on: [b]\n', error: `${FILE}:4: service a: key depends_on: no service b` },
    { name: 'service_healthy on a service without healthcheck', yaml: 'services:\n  a:\n    image: i\n    depends_on: {b: {condition: service_healthy}}\n  b: {image: i}\n', error: `${FILE}:4: service a: key depends_on: b has no healthcheck, so service_healthy can never hold` },
    { name: 'a dependency cycle', yaml: 'services:\n  a: {image: i, depends_on: [b]}\n  b: {image: i, depends_on: [a]}\n', error: 'key depends_on: a cycle a → b → a' },
    { name: 'bad port', yaml: 'services:\n  a:\n    image: i\n    ports: ["8000-8010:80"]\n', error: `${FILE}:4: service a: key ports: "8000-8010:80" is not a port mapping (ranges are not supported)` },
    { name: 'bad duration', yaml: 'services:\n  a:\n    image: i\n    healthcheck: {test: "true", interval: soon}\n', error: `${FILE}:4: service a: key healthcheck.interval: expected a duration such as 10s or 1m30s, got "soon"` },
    { name: 'undeclared named volume', yaml: 'services:\n  a:\n    image: i\n    volumes: ["data:/d"]\n', error: `${FILE}:4: service a: key volumes: named volume data is not declared in the top-level volumes` },
    { name: 'replicas on a global service', yaml: 'services:\n  a:\n    image: i\n    deploy:\n      mode: global\n      replicas: 2\n', error: `${FILE}:6: service a: key deploy.replicas: a global service runs once on every machine; remove replicas` },
    { name: 'an unknown hostname', yaml: 'services:\n  a: {image: i, deploy: {placement: {constraints: ["node.hostname == nowhere"]}}}\n', error: 'service a: constraint node.hostname == nowhere: no machine of the cluster has that hostname' },
  ])('$name', ({ yaml, error }) => {
    expect(() => run(yaml)).toThrow(ComposeInvalidError);
    expect(errorOf(yaml)).toContain(error);
  });
});

describe('warnings', () => {
  test('named volumes stay on their machine; relative binds must exist everywhere; mapped ports', () => {
    const { project } = run('services:\n  a:\n    image: i\n    ports: ["8081:80"]\n    volumes: ["data:/d", "./x:/x"]\nvolumes:\n  data:\n');
    expect(project.warnings.map(formatProblem)).toEqual([
      `${FILE}:4: service a: port 8081:80: other services reach it as a:8081 (the machine's port), not :80`,
      `${FILE}:5: service a: named volume data is a local volume on the machine the unit runs on; it does not follow the unit when it moves to another machine`,
      `${FILE}:5: service a: bind mount ./x is /srv/shop/x on the machine the unit runs on; it must exist on every machine the service may run on`,
    ]);
    expect(run('services:\n  a:\n    image: i\n    volumes: ["data:/d"]\nvolumes:\n  data:\n').units[0]!.text).toContain('Volume=shop_data:/d\n');
  });
});
