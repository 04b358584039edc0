/**
 * `journal [--lines N] [-f|--follow] [--output short|short-iso|json|cat|verbose] UNIT`: the unit's journal from the agent that runs it,
 * over its API (`/v2/units/<n>/journal?lines=N&follow=true`), streamed as it arrives; no ssh. fleetctl's
 * messages for a missing, global or not-running unit.
 */
import { Option } from 'commander';
import { DEFAULT_JOURNAL_OUTPUT, JOURNAL_OUTPUT_MODES, MAX_JOURNAL_LINES, isJournalOutputMode, mangleUnitName, type JournalOutputMode } from '@flotilla/core';
import { googleApiError } from '../api/transport.js';
import { badOptionValue, globalJournal, journalNeedsOneUnit, unitDoesNotExist, unitNotRunning } from '../cli-errors.js';
import { agentEndpoint, agentTransport, reportingMachines } from '../units/agent-api.js';
import { defineVerb } from './verb.js';

interface JournalOptions {
  lines: number;
  follow: boolean;
  output: JournalOutputMode;
}

/** Longest a follow may run before the last-resort deadline (setTimeout's maximum, about 24 days). */
const FOLLOW_BUDGET_MS = 2 ** 31 - 1 - 120_000;

export const journal = defineVerb<JournalOptions, void>({
  name: 'journal',
  args: '[unit...]',
  summary: 'Print the journal of a unit in the cluster (from the agent that runs it)',
  examples: ['flotilla journal hello.service', 'flotilla journal -f --lines 50 web@1', 'flotilla journal --output json web@1 | jq .MESSAGE'],
  configure(cmd) {
    cmd.option('--lines <n>', 'number of recent journal entries to show', '10');
    cmd.option('-f, --follow', 'continuously print new entries as they are appended to the journal');
    cmd.option('--output <mode>', `output mode, passed to journalctl -o: ${JOURNAL_OUTPUT_MODES.join(', ')}`, DEFAULT_JOURNAL_OUTPUT);
    cmd.addOption(new Option('--sudo', 'accepted for fleetctl compatibility').hideHelp());
    cmd.addOption(new Option('--ssh-port <port>', 'accepted for fleetctl compatibility').hideHelp());
  },
  parseOptions(raw) {
    const text = String(raw.lines ?? '10');
    const lines = Number(text);
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_JOURNAL_LINES) throw badOptionValue('--lines', text, `expected an integer from 0 to ${MAX_JOURNAL_LINES}`);
    const output = String(raw.output ?? DEFAULT_JOURNAL_OUTPUT);
    if (!isJournalOutputMode(output)) throw badOptionValue('--output', output, `expected one of ${JOURNAL_OUTPUT_MODES.join(', ')}`);
    return { lines, follow: Boolean(raw.follow), output };
  },
  waitBudgetMs: (opts) => (opts.follow ? FOLLOW_BUDGET_MS : 0),
  async handler(ctx, args, opts) {
    if (args.length !== 1) throw journalNeedsOneUnit();
    const name = mangleUnitName(args[0] as string);
    const registry = await ctx.registry();
    const unit = await registry.getUnit(name);
    if (!unit) throw unitDoesNotExist(name);
    if (unit.global) throw globalJournal(name);
    const [machineId] = reportingMachines(unit, await registry.getStates(name), unitNotRunning);
    const machine = (await registry.listMachines()).find((m) => m.id === machineId);
    const http = agentTransport(agentEndpoint(machineId as string, machine, ctx.globals), ctx.globals);
    const controller = new AbortController();
    try {
      // Sent only when not the default, so the request to an agent is unchanged for plain `journal`.
      const output = opts.output === DEFAULT_JOURNAL_OUTPUT ? '' : `&output=${opts.output}`;
      const query = `lines=${opts.lines}${opts.follow ? '&follow=true' : ''}${output}`;
      const reply = await http.stream(`/v2/units/${encodeURIComponent(name)}/journal?${query}`, (text) => ctx.write(text), controller.signal);
      if (reply.status !== 200) throw googleApiError(reply.status, reply.body);
    } finally {
      http.close();
    }
  },
  render: () => ({}),
});
