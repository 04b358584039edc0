/**
 * `flotilla cloud-config` (render a node's first-boot config), `flotilla cloud-init FILE` (apply one on this
 * machine, as coreos-cloudinit did) and `flotilla butane FILE` (Butane → Ignition JSON).
 */
import fs from 'node:fs';
import { Option } from 'commander';
import { FlotillaError } from '@flotilla/core';
import { defineLocalCommand, NO_OUTPUT, type AnyLocalCommand, type LocalContext } from '../commands/local-command.js';
import { parseMetadata } from '../daemon/config.js';
import { guessPublicIp } from '../daemon/identity.js';
import { hostList } from '../pki/command.js';
import { NODE_PKI_DIR } from '../pki/layout.js';
import { runApplySteps } from './apply.js';
import { planApply } from './apply-plan.js';
import { etcdIsSecure, planNode, validateNodeSpec, type NodeRole, type NodeSpec } from './node-plan.js';
// The YAML modules (parse-butane, parse-cloud-config, serialize) load in the handlers: every other command
// starts ~20 ms faster without them (cold start: docs/fleetctl-compat.md).

function readInput(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError('CLOUD_CONFIG_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** What commander hands the render command. */
interface RenderOptions {
  role: string;
  etcd?: string;
  metadata?: string;
  hostname?: string;
  scheduler?: boolean;
  etcdCaFile?: string;
  etcdCertFile?: string;
  etcdKeyFile?: string;
  pki?: string;
  host: string[];
  apiListen?: string;
  apiInsecure?: boolean;
  /** `--no-dns` sets false (commander). */
  dns?: boolean;
  format?: string;
}

/** `--pki DIR`: the same step as `flotilla pki init DIR` (idempotent), then the node's share of it. */
async function pkiFiles(ctx: LocalContext, opts: RenderOptions, role: NodeRole): Promise<Record<string, string> | undefined> {
  if (!opts.pki) return undefined;
  const [{ initPki }, { nodeBundle }, { renderPkiReport }] = await Promise.all([import('../pki/init.js'), import('../pki/bundle.js'), import('../pki/command.js')]);
  // The report goes to stderr: stdout is the config.
  const report = renderPkiReport(initPki(opts.pki, { hosts: opts.host }));
  ctx.warn(`${report.stdout ?? ''}${report.stderr ?? ''}`);
  return nodeBundle(opts.pki, role, opts.hostname);
}

function nodeSpec(opts: RenderOptions): NodeSpec {
  return {
    role: opts.role as NodeRole,
    etcdEndpoints: (opts.etcd ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    metadata: parseMetadata(opts.metadata ?? ''),
    ...(opts.hostname ? { hostname: opts.hostname } : {}),
    ...(typeof opts.scheduler === 'boolean' ? { scheduler: opts.scheduler } : {}),
    tls: { caFile: opts.etcdCaFile, certFile: opts.etcdCertFile, keyFile: opts.etcdKeyFile },
    ...(opts.apiListen ? { apiListen: opts.apiListen } : {}),
    ...(opts.apiInsecure ? { apiInsecure: true } : {}),
    ...(opts.dns === false ? { dns: false } : {}),
  };
}

export const render = defineLocalCommand({
  name: 'cloud-config',
  args: '',
  summary: 'print the first-boot config of a Flotilla node (CoreOS cloud-config, Butane or Ignition)',
  examples: [
    'flotilla cloud-config --role master --pki ./pki --host master,10.0.0.2 > master.yaml',
    'flotilla cloud-config --role worker --etcd https://10.0.0.2:2379 --pki ./pki --metadata disk=ssd > worker.yaml',
    'flotilla cloud-config --role worker --etcd https://10.0.0.2:2379 --pki ./pki --format ignition > worker.ign',
  ],
  helpAfter: 'https:// etcd URLs (the default) use TLS and etcd auth; an explicit http:// URL turns both off (docs/cloud-config.md, "Secure by default").',
  configure(cmd) {
    cmd
      .addOption(new Option('--role <role>', 'master (runs etcd and the agent) or worker (runs the agent)').choices(['master', 'worker']).makeOptionMandatory())
      .option('--etcd <urls>', 'etcd client URLs of the cluster, comma-separated (required for workers)', '')
      .option('--metadata <k=v,...>', 'machine metadata (role=<role> is always added)', '')
      .option('--hostname <name>', 'host name to set')
      .option('--scheduler', 'the agent may become the scheduler (default for masters)')
      .option('--no-scheduler', 'the agent never schedules and runs lean (default for workers)')
      .option('--etcd-ca-file <path>', 'CA certificate for etcd TLS (a path on the node)')
      .option('--etcd-cert-file <path>', 'client certificate for etcd TLS (a path on the node)')
      .option('--etcd-key-file <path>', 'client key for etcd TLS (a path on the node)')
      .option('--pki <dir>', 'embed the node\'s certificates, etcd password and API token from this PKI (made first, as `flotilla pki init`, when missing)')
      .option('--host <names>', 'with --pki: host names/IPs for new certificates (as `pki init --host`)', hostList, [])
      .option('--api-listen <host:port>', 'serve the agent\'s API on TCP too, with the PKI\'s token and TLS (e.g. 0.0.0.0:54728)')
      .option('--no-dns', 'run no discovery DNS in the agent (FLOTILLA_DNS=off; docs/discovery.md)')
      .option('--api-insecure', 'serve that TCP API without token or certificates (FLOTILLA_API_INSECURE=1; not for production)')
      .addOption(new Option('--format <format>', 'output format').choices(['cloud-config', 'butane', 'ignition']).default('cloud-config'));
  },
  parseOptions: (raw) => raw as RenderOptions,
  async handler(ctx, _args, opts) {
    const { toButane, toCloudConfig, toIgnition } = await import('./serialize.js');
    const spec = nodeSpec(opts);
    validateNodeSpec(spec);
    const pki = await pkiFiles(ctx, opts, spec.role);
    const plan = planNode({ ...spec, ...(pki ? { pki } : {}) });
    if (!etcdIsSecure(spec)) ctx.warn('warning: --etcd is plain http://: etcd traffic is not encrypted and etcd asks for no user (docs/cloud-config.md, "Secure by default")\n');
    if (opts.apiInsecure) ctx.warn('warning: --api-insecure: the agent\'s TCP API takes requests without a token or certificate\n');
    if (!pki && etcdIsSecure(spec) && !opts.etcdCaFile) ctx.warn(`note: the node needs its PKI files in ${NODE_PKI_DIR} (render with --pki DIR to embed them)\n`);
    return opts.format === 'butane' ? toButane(plan) : opts.format === 'ignition' ? `${JSON.stringify(toIgnition(plan), null, 2)}\n` : toCloudConfig(plan);
  },
  render: (text) => ({ stdout: text }),
});

interface ApplyOptions {
  root: string;
  privateIpv4?: string;
  publicIpv4?: string;
}

export const apply = defineLocalCommand({
  name: 'cloud-init',
  args: '<file>',
  summary: 'apply a cloud-config on this machine: hostname, write_files, coreos.units (run at first boot)',
  examples: ['flotilla cloud-init /var/lib/flotilla/user-data', 'flotilla cloud-init --root /tmp/check --private-ipv4 10.0.0.11 worker.yaml'],
  configure(cmd) {
    cmd
      .option('--root <dir>', 'write files under this directory instead of / (no systemctl); for checking a file', '/')
      .option('--private-ipv4 <ip>', 'value of $private_ipv4 (default: this machine\'s first non-loopback IPv4)')
      .option('--public-ipv4 <ip>', 'value of $public_ipv4 (default: same as private)');
  },
  parseOptions: (raw) => raw as ApplyOptions,
  async handler(ctx, [file = ''], opts) {
    const { parseCloudConfig } = await import('./parse-cloud-config.js');
    const config = parseCloudConfig(readInput(file), file);
    for (const warning of config.warnings) ctx.warn(`warning: ${warning}\n`);
    const ip = opts.privateIpv4 ?? guessPublicIp();
    const steps = planApply(config, { privateIpv4: ip, publicIpv4: opts.publicIpv4 ?? ip });
    // Each step is printed as it is done: at first boot the journal shows how far it got.
    await runApplySteps(steps, { root: opts.root, log: (line) => ctx.write(`cloud-init: ${line}\n`) });
  },
  render: () => NO_OUTPUT,
});

export const butane = defineLocalCommand({
  name: 'butane',
  args: '<file>',
  summary: 'translate a Butane config (fcos 1.4.0 subset) into Ignition 3.3.0 JSON',
  examples: ['flotilla butane cloud-config/worker.bu > worker.ign'],
  parseOptions: () => ({}),
  async handler(_ctx, [file = '']) {
    const { butaneToIgnition } = await import('./parse-butane.js');
    return butaneToIgnition(readInput(file), file);
  },
  render: (ignition) => ({ stdout: `${JSON.stringify(ignition, null, 2)}\n` }),
});

export const cloudConfigCommands: readonly AnyLocalCommand[] = [render, apply, butane];
