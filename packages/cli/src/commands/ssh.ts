/**
 * `ssh [-A|--forward-agent] [--ssh-port N] [--machine|--unit] {MACHINE|UNIT} [-- COMMAND...]`: opens ssh to a
 * machine (unique ID prefix) or to the machine running a unit, with fleetctl's user, tunnel, timeout and
 * known-hosts settings; the remote exit status becomes ours. Runs the system `ssh` client.
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import { Option } from 'commander';
import { FlotillaError, mangleUnitName, type MachineDirectory, type MachineRecord, type UnitCatalog, type UnitStateView } from '@flotilla/core';
import { badOptionValue } from '../cli-errors.js';
import type { SshOptions } from '../global-options.js';
import { defineVerb } from './verb.js';

interface SshVerbOptions {
  forwardAgent: boolean;
  port: number;
  only?: 'machine' | 'unit';
}

const sshError = (message: string) => new FlotillaError('CLI_SSH', message);

async function resolveHost(registry: Pick<UnitCatalog, 'getUnit'> & Pick<UnitStateView, 'getStates'> & MachineDirectory, target: string, only: SshVerbOptions['only']): Promise<MachineRecord> {
  const machines = await registry.listMachines();
  const byPrefix = only === 'unit' ? [] : machines.filter((m) => m.id.startsWith(target));
  if (byPrefix.length > 1) throw sshError(`multiple machines match ${target}: use more characters of the ID`);
  const unit = only === 'machine' ? undefined : await registry.getUnit(mangleUnitName(target));
  if (byPrefix[0] && unit) throw sshError(`ambiguous argument, both machine and unit found for ${target}`);
  if (byPrefix[0]) return byPrefix[0];
  if (!unit) throw sshError(`Unable to find machine or unit for ${target}`);
  if (unit.global) throw sshError('Unable to connect to global unit: global units unsupported');
  const state = (await registry.getStates(unit.name))[0];
  const machine = machines.find((m) => m.id === state?.machineId);
  if (!machine) throw sshError(`Unit ${unit.name} does not appear to be running`);
  return machine;
}

/** The ssh argv, pure (tested as a table). */
export function sshArgv(ssh: SshOptions, opts: SshVerbOptions, ip: string, command: readonly string[]): string[] {
  const knownHosts = ssh.knownHostsFile.replace(/^~(?=\/)/, os.homedir());
  const argv = [
    '-p', String(opts.port),
    '-o', `ConnectTimeout=${Math.ceil(ssh.timeoutSec)}`,
    '-o', `StrictHostKeyChecking=${ssh.strictHostKeyChecking ? 'yes' : 'no'}`,
    '-o', `UserKnownHostsFile=${knownHosts}`,
  ];
  if (opts.forwardAgent) argv.push('-A');
  if (ssh.tunnel) argv.push('-J', `${ssh.user}@${ssh.tunnel}`);
  argv.push(`${ssh.user}@${ip}`);
  if (command.length > 0) argv.push(command.join(' '));
  return argv;
}

function runSsh(argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', argv, { stdio: 'inherit' });
    child.on('error', (err) => reject(sshError(`Unable to run ssh: ${err.message}`)));
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 255 : 0)));
  });
}

export const ssh = defineVerb<SshVerbOptions, number>({
  name: 'ssh',
  args: '[target] [command...]',
  summary: 'Open interactive shell on a machine in the cluster',
  examples: ['flotilla ssh 113f16a7', 'flotilla ssh --unit hello.service -- systemctl status hello', 'flotilla ssh -A web@1'],
  configure(cmd) {
    cmd.option('-A, --forward-agent', 'forward the local ssh-agent');
    cmd.option('--ssh-port <port>', 'ssh port on the machine', '22');
    cmd.option('--machine', 'the target is a machine ID prefix');
    cmd.option('--unit', 'the target is a unit name');
    cmd.addOption(new Option('--A').hideHelp());
  },
  parseOptions(raw) {
    if (raw.machine && raw.unit) throw sshError('Both machine and unit flags provided, please specify only one.');
    const port = Number(raw.sshPort ?? 22);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw badOptionValue('--ssh-port', String(raw.sshPort), 'expected a port number');
    const only = raw.machine ? 'machine' : raw.unit ? 'unit' : undefined;
    return { forwardAgent: Boolean(raw.forwardAgent) || Boolean(raw.A), port, ...(only ? { only } : {}) };
  },
  waitBudgetMs: () => 2 ** 31 - 1 - 120_000,
  async handler(ctx, args, opts) {
    const [target, ...command] = args;
    if (!target) throw sshError('Provide one machine or unit');
    const machine = await resolveHost(await ctx.registry(), target, opts.only);
    if (!machine.ip) throw sshError(`machine ${machine.id} has no known IP address`);
    return runSsh(sshArgv(ctx.globals.ssh, opts, machine.ip, command));
  },
  render: (code) => ({ exitCode: code }),
});
