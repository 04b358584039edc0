/**
 * Puts fleetctl's help layout (render/help.ts) on every command of the program: `help`, `help CMD`, `--help`
 * and no arguments all print it. commander's Help supplies the visible commands and options; commands added
 * with addCommand do not inherit help settings, so each one is configured here.
 */
import type { Command, Help } from 'commander';
import { renderHelp, type HelpModel } from './render/help.js';

function optionRows(helper: Help, options: ReturnType<Help['visibleOptions']>): [string, string][] {
  return options.map((o) => [helper.optionTerm(o), helper.optionDescription(o)]);
}

export function helpModel(cmd: Command, helper: Help, rootVersion: string): HelpModel {
  const root = cmd.parent === null;
  let top = cmd;
  while (top.parent) top = top.parent;
  const exe = top.name();
  const base = {
    name: cmd.name(),
    summary: cmd.summary() || cmd.description(),
    commands: helper.visibleCommands(cmd).map((c): [string, string] => [c.name(), helper.subcommandDescription(c)]),
    options: root ? [] : optionRows(helper, helper.visibleOptions(cmd)),
  };
  if (root) {
    return {
      ...base,
      usage: `${exe} [global options] <command> [command options] [arguments...]`,
      version: rootVersion,
      globalOptions: optionRows(helper, helper.visibleOptions(cmd)),
      footer: [
        'Global options can also be configured via upper-case environment variables prefixed with "FLOTILLA_"',
        'or "FLEETCTL_". For example, "--some-flag" => "FLOTILLA_SOME_FLAG"',
        '',
        `Run "${exe} help <command>" for more details on a specific command.`,
      ],
    };
  }
  return {
    ...base,
    usage: helper.commandUsage(cmd),
    description: cmd.description(),
    globalOptions: [],
    footer: [`For help on global options run "${exe} help"`],
  };
}

/** Applies the layout to `program` and every command under it; their help goes where the program's output does. */
export function useFleetctlHelp(program: Command, rootVersion: string): void {
  const output = program.configureOutput();
  const apply = (cmd: Command): void => {
    cmd.configureHelp({ formatHelp: (c, helper) => renderHelp(helpModel(c, helper, rootVersion)) });
    cmd.configureOutput(output);
    for (const sub of cmd.commands) apply(sub);
  };
  apply(program);
}
