/**
 * `flotilla pki init DIR` and `flotilla pki issue DIR`: the cluster's certificates and secrets
 * (docs/cloud-config.md, "Secure by default"). The implementation loads in the actions (CLI cold start).
 */
import { Command } from 'commander';
import type { FlotillaError } from '@flotilla/core';
import type { PkiReport } from './init.js';

function hostList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function printReport(report: PkiReport, out: NodeJS.WritableStream, err: NodeJS.WritableStream): void {
  for (const file of report.created) out.write(`created ${file}\n`);
  if (report.reused.length > 0) out.write(`kept ${report.reused.length} existing file(s) in ${report.dir}\n`);
  for (const warning of report.warnings) err.write(`warning: ${warning}\n`);
}

function guarded<A extends unknown[]>(action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await action(...args);
    } catch (e) {
      const error = e as FlotillaError;
      process.stderr.write(`${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
      process.exitCode = 1;
    }
  };
}

export function pkiCommand(): Command {
  const pki = new Command('pki').description("make the cluster's CA, certificates, etcd passwords and API token (openssl)");
  pki
    .command('init')
    .description('create the PKI in DIR, or complete it; existing files are kept, never overwritten')
    .argument('<dir>', 'directory for the PKI (created 0700; files 0600)')
    .option('--host <names>', "etcd's and the agents' host names and IPs, comma-separated (repeatable); localhost and 127.0.0.1 are always in", hostList, [])
    .addHelpText('after', '\nExamples:\n  flotilla pki init /etc/flotilla/cluster-pki --host master,10.0.0.2\n  flotilla cloud-config --role master --pki /etc/flotilla/cluster-pki > master.yaml')
    .action(
      guarded(async (dir: string, opts: { host: string[] }) => {
        const { initPki } = await import('./init.js');
        printReport(initPki(dir, { hosts: opts.host }), process.stdout, process.stderr);
      }),
    );
  pki
    .command('issue')
    .description("issue one node's own agent certificate (nodes/NAME.pem) from the PKI's CA, for its API's host names/IPs")
    .argument('<dir>', 'a PKI made by `flotilla pki init`')
    .requiredOption('--name <name>', "the node's host name (cloud-config --hostname picks nodes/<hostname>.pem)")
    .option('--host <names>', 'more host names and IPs of the node, comma-separated (repeatable)', hostList, [])
    .addHelpText('after', '\nExample:\n  flotilla pki issue /etc/flotilla/cluster-pki --name w1 --host 10.0.0.11')
    .action(
      guarded(async (dir: string, opts: { name: string; host: string[] }) => {
        const { issueNodeCertificate } = await import('./init.js');
        printReport(issueNodeCertificate(dir, opts.name, opts.host), process.stdout, process.stderr);
      }),
    );
  return pki;
}
