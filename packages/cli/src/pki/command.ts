/**
 * `flotilla pki init DIR` and `flotilla pki issue DIR`: the cluster's certificates and secrets
 * (docs/cloud-config.md, "Secure by default"). The implementation loads in the handlers (CLI cold start).
 */
import type { Command } from 'commander';
import { defineLocalCommand, type CommandGroup } from '../commands/local-command.js';
import type { Output } from '../commands/verb.js';
import type { PkiReport } from './init.js';

export function hostList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** What was made goes to stdout, warnings to stderr. */
export function renderPkiReport(report: PkiReport): Output {
  const created = report.created.map((file) => `created ${file}\n`).join('');
  const kept = report.reused.length > 0 ? `kept ${report.reused.length} existing file(s) in ${report.dir}\n` : '';
  return { stdout: created + kept, stderr: report.warnings.map((w) => `warning: ${w}\n`).join('') };
}

const hostOption = (cmd: Command, description: string) => cmd.option('--host <names>', description, hostList, []);

const init = defineLocalCommand({
  name: 'init',
  args: '<dir>',
  summary: 'create the PKI in DIR, or complete it; existing files are kept, never overwritten',
  examples: ['flotilla pki init /etc/flotilla/cluster-pki --host master,10.0.0.2', 'flotilla cloud-config --role master --pki /etc/flotilla/cluster-pki > master.yaml'],
  configure: (cmd) => hostOption(cmd, "etcd's and the agents' host names and IPs, comma-separated (repeatable); localhost and 127.0.0.1 are always in"),
  parseOptions: (raw) => ({ hosts: raw.host as string[] }),
  async handler(_ctx, [dir = ''], opts) {
    const { initPki } = await import('./init.js');
    return initPki(dir, { hosts: opts.hosts });
  },
  render: renderPkiReport,
});

const issue = defineLocalCommand({
  name: 'issue',
  args: '<dir>',
  summary: "issue one node's own agent certificate (nodes/NAME.pem) from the PKI's CA, for its API's host names/IPs",
  examples: ['flotilla pki issue /etc/flotilla/cluster-pki --name w1 --host 10.0.0.11'],
  configure(cmd) {
    cmd.requiredOption('--name <name>', "the node's host name (cloud-config --hostname picks nodes/<hostname>.pem)");
    hostOption(cmd, 'more host names and IPs of the node, comma-separated (repeatable)');
  },
  parseOptions: (raw) => ({ name: raw.name as string, hosts: raw.host as string[] }),
  async handler(_ctx, [dir = ''], opts) {
    const { issueNodeCertificate } = await import('./init.js');
    return issueNodeCertificate(dir, opts.name, opts.hosts);
  },
  render: renderPkiReport,
});

export const pkiCommands: CommandGroup = {
  name: 'pki',
  summary: "make the cluster's CA, certificates, etcd passwords and API token (openssl)",
  commands: [init, issue],
};
