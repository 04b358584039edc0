/**
 * fleetctl's help layout (its cobra template): NAME, USAGE, VERSION (root only), COMMANDS, DESCRIPTION,
 * OPTIONS, GLOBAL OPTIONS, each section a heading then tab-indented lines, two-column lists aligned. Pure: the
 * commander adapter (help-format.ts) builds the HelpModel. Per-command examples follow, added by program.ts.
 */

export interface HelpModel {
  /** `flotilla` on the root, the command's name otherwise. */
  name: string;
  summary: string;
  usage: string;
  /** Root only. */
  version?: string;
  commands: readonly (readonly [string, string])[];
  /** Commands only (the root's NAME line already says it). */
  description?: string;
  options: readonly (readonly [string, string])[];
  globalOptions: readonly (readonly [string, string])[];
  /** Closing lines (fleetctl: the FLEETCTL_ environment note, where to find more help). */
  footer: readonly string[];
}

const GAP = 3;

function pairs(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...rows.map(([term]) => term.length));
  return rows.map(([term, text]) => (text ? `\t${term.padEnd(width + GAP)}${text}` : `\t${term}`));
}

function section(title: string, lines: readonly string[]): string[] {
  return lines.length === 0 ? [] : [`${title}:`, ...lines, ''];
}

export function renderHelp(m: HelpModel): string {
  const lines = [
    ...section('NAME', [`\t${m.name} - ${m.summary}`]),
    ...section('USAGE', [`\t${m.usage}`]),
    ...section('VERSION', m.version === undefined ? [] : [`\t${m.version}`]),
    ...section('COMMANDS', pairs(m.commands)),
    ...section('DESCRIPTION', m.description === undefined ? [] : m.description.split('\n').map((l) => `\t${l}`)),
    ...section('OPTIONS', pairs(m.options)),
    ...section('GLOBAL OPTIONS', pairs(m.globalOptions)),
    ...m.footer,
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
