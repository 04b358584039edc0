/**
 * `flotilla cloud-config` (render a node's first-boot config), `flotilla cloud-init FILE` (apply one on this
 * machine, as coreos-cloudinit did) and `flotilla butane FILE` (Butane → Ignition JSON).
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import { FlotillaError } from '@flotilla/core';
import { parseMetadata } from '../daemon/config.js';
import { guessPublicIp } from '../daemon/identity.js';
import { runApplySteps } from './apply.js';
import { planApply } from './apply-plan.js';
import { NODE_PKI_DIR } from '../pki/layout.js';
import { etcdIsSecure, planNode, validateNodeSpec, type NodeRole, type NodeSpec } from './node-plan.js';
// The YAML modules (parse-butane, parse-cloud-config, serialize) load in the actions: every other command starts
// ~20 ms faster without them (cold start: docs/fleetctl-compat.md).

function readInput(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new FlotillaError('CLOUD_CONFIG_READ', `cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** commander actions must not throw past the program's reporter: print and set the exit code. */
/** What commander hands the render action. */
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
  format?: string;
}

function hostList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** `--pki DIR`: the same step as `flotilla pki init DIR` (idempotent), then the node's share of it. */
async function pkiFiles(opts: RenderOptions, role: NodeRole): Promise<Record<string, string> | undefined> {
  if (!opts.pki) return undefined;
  const [{ initPki }, { nodeBundle }, { printReport }] = await Promise.all([import('../pki/init.js'), import('../pki/bundle.js'), import('../pki/command.js')]);
  // The report goes to stderr: stdout is the config.
  printReport(initPki(opts.pki, { hosts: opts.host }), process.stderr, process.stderr);
  return nodeBundle(opts.pki, role, opts.hostname);
}

function guarded<A extends unknown[]>(action: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (err) {
      const e = err as FlotillaError;
      process.stderr.write(`${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
      process.exitCode = 1;
    }
  };
}

export function renderCommand(): Command {
  return new Command('cloud-config')
    .description('print the first-boot config of a Flotilla node (CoreOS cloud-config, Butane or Ignition)')
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
    .option('--api-insecure', 'serve that TCP API without token or certificates (FLOTILLA_API_INSECURE=1; not for production)')
    .addOption(new Option('--format <format>', 'output format').choices(['cloud-config', 'butane', 'ignition']).default('cloud-config'))
    .addHelpText('after', '\nExamples:\n  flotilla cloud-config --role master --pki ./pki --host master,10.0.0.2 > master.yaml\n  flotilla cloud-config --role worker --etcd https://10.0.0.2:2379 --pki ./pki --metadata disk=ssd > worker.yaml\n  flotilla cloud-config --role worker --etcd https://10.0.0.2:2379 --pki ./pki --format ignition > worker.ign\n\nhttps:// etcd URLs (the default) use TLS and etcd auth; an explicit http:// URL turns both off (docs/cloud-config.md, "Secure by default").')
    .action(
      guarded(async (opts: RenderOptions) => {
        const { toButane, toCloudConfig, toIgnition } = await import('./serialize.js');
        const role = opts.role as NodeRole;
        const spec: NodeSpec = {
          role,
          etcdEndpoints: (opts.etcd ?? '').split(',').map((s) => s.trim()).filter(Boolean),
          metadata: parseMetadata(opts.metadata ?? ''),
          ...(opts.hostname ? { hostname: opts.hostname } : {}),
          ...(typeof opts.scheduler === 'boolean' ? { scheduler: opts.scheduler } : {}),
          tls: { caFile: opts.etcdCaFile, certFile: opts.etcdCertFile, keyFile: opts.etcdKeyFile },
          ...(opts.apiListen ? { apiListen: opts.apiListen } : {}),
          ...(opts.apiInsecure ? { apiInsecure: true } : {}),
        };
        validateNodeSpec(spec);
        const pki = await pkiFiles(opts, role);
        const plan = planNode({ ...spec, ...(pki ? { pki } : {}) });
        if (!etcdIsSecure(spec)) process.stderr.write('warning: --etcd is plain http://: etcd traffic is not encrypted and etcd asks for no user (docs/cloud-config.md, "Secure by default")\n');
        if (opts.apiInsecure) process.stderr.write('warning: --api-insecure: the agent\'s TCP API takes requests without a token or certificate\n');
        if (!pki && etcdIsSecure(spec) && !opts.etcdCaFile) process.stderr.write(`note: the node needs its PKI files in ${NODE_PKI_DIR} (render with --pki DIR to embed them)\n`);
        const text =
          opts.format === 'butane' ? toButane(plan) : opts.format === 'ignition' ? `${JSON.stringify(toIgnition(plan), null, 2)}\n` : toCloudConfig(plan);
        process.stdout.write(text);
      }),
    );
}

export function applyCommand(): Command {
  return new Command('cloud-init')
    .description('apply a cloud-config on this machine: hostname, write_files, coreos.units (run at first boot)')
    .argument('<file>', 'the cloud-config file (user-data)')
    .option('--root <dir>', 'write files under this directory instead of / (no systemctl); for checking a file', '/')
    .option('--private-ipv4 <ip>', 'value of $private_ipv4 (default: this machine\'s first non-loopback IPv4)')
    .option('--public-ipv4 <ip>', 'value of $public_ipv4 (default: same as private)')
    .action(
      guarded(async (file: string, opts: { root: string; privateIpv4?: string; publicIpv4?: string }) => {
        const { parseCloudConfig } = await import('./parse-cloud-config.js');
        const config = parseCloudConfig(readInput(file), file);
        for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
        const ip = opts.privateIpv4 ?? guessPublicIp();
        const steps = planApply(config, { privateIpv4: ip, publicIpv4: opts.publicIpv4 ?? ip });
        await runApplySteps(steps, { root: opts.root, log: (line) => process.stdout.write(`cloud-init: ${line}\n`) });
      }),
    );
}

export function butaneCommand(): Command {
  return new Command('butane')
    .description('translate a Butane config (fcos 1.4.0 subset) into Ignition 3.3.0 JSON')
    .argument('<file>', 'the Butane file, e.g. cloud-config/worker.bu')
    .action(
      guarded(async (file: string) => {
        const { butaneToIgnition } = await import('./parse-butane.js');
        process.stdout.write(`${JSON.stringify(butaneToIgnition(readInput(file), file), null, 2)}\n`);
      }),
    );
}

export function cloudConfigCommands(): Command[] {
  return [renderCommand(), applyCommand(), butaneCommand()];
}
