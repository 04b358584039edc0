/**
 * `compose logs [-f] [--lines N] SERVICE`: the journal of every running unit of the service, from the agents
 * that run them (the `journal` verb's path: `/v2/units/<unit>/journal`). With several units each line is
 * prefixed with its unit, as docker compose prefixes its containers; `-f` follows them all at once.
 */
import { MAX_JOURNAL_LINES, unitNameInfo } from '@flotilla/core';
import { googleApiError } from '../api/transport.js';
import { defineVerb, type CommandContext } from '../commands/verb.js';
import { badOptionValue, composeLogsErrors } from './logs-errors.js';
import { agentEndpoint, agentTransport } from '../units/agent-api.js';
import { addComposeOptions, composeOptions } from './options.js';
import { projectUnitsOf, serviceOfUnit } from './project-units.js';
import type { ComposeOptions } from './compose-file.js';

interface LogsOptions extends ComposeOptions {
  follow: boolean;
  lines: number;
}

/** setTimeout's longest wait minus a margin, as `journal -f` allows. */
const FOLLOW_BUDGET_MS = 2 ** 31 - 1 - 120_000;

/** Turns chunks into whole lines with a prefix (a partial line waits for its end). */
export function linePrefixer(prefix: string, write: (text: string) => void): { push(chunk: string): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const text = rest + chunk;
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        rest = text;
        return;
      }
      rest = text.slice(cut + 1);
      write(text.slice(0, cut + 1).replace(/^(?=.)/gm, prefix));
    },
    end() {
      if (rest !== '') write(`${prefix}${rest}\n`);
      rest = '';
    },
  };
}

async function streamUnit(ctx: CommandContext, unit: string, machineId: string, query: string, prefix: string): Promise<void> {
  const registry = await ctx.registry();
  const machine = (await registry.listMachines()).find((m) => m.id === machineId);
  const http = agentTransport(agentEndpoint(machineId, machine, ctx.globals), ctx.globals);
  const out = linePrefixer(prefix, (text) => ctx.write(text));
  try {
    const reply = await http.stream(`/v2/units/${encodeURIComponent(unit)}/journal?${query}`, (text) => out.push(text), new AbortController().signal);
    if (reply.status !== 200) throw googleApiError(reply.status, reply.body);
  } finally {
    out.end();
    http.close();
  }
}

export const composeLogs = defineVerb<LogsOptions, void>({
  name: 'logs',
  args: '[service...]',
  summary: 'Print the journal of a compose service’s units (from the agents that run them)',
  examples: ['flotilla compose logs app', 'flotilla compose logs -f --lines 50 db'],
  configure(cmd) {
    addComposeOptions(cmd, false)
      .option('-f, --follow', 'keep printing new entries')
      .option('--lines <n>', 'recent entries per unit', '10');
  },
  parseOptions(raw) {
    const text = String(raw.lines ?? '10');
    const lines = Number(text);
    if (!Number.isInteger(lines) || lines < 0 || lines > MAX_JOURNAL_LINES) throw badOptionValue('--lines', text, `expected an integer from 0 to ${MAX_JOURNAL_LINES}`);
    return { ...composeOptions(raw), follow: Boolean(raw.follow), lines };
  },
  waitBudgetMs: (opts) => (opts.follow ? FOLLOW_BUDGET_MS : 0),
  async handler(ctx, args, opts) {
    if (args.length !== 1) throw composeLogsErrors.oneService();
    const [service] = args as [string];
    // Loaded on use: the yaml parser is not for other commands (cold start: docs/fleetctl-compat.md).
    const project = (await import('./project-name.js')).projectName(ctx, opts);
    const registry = await ctx.registry();
    const [units, states] = await Promise.all([registry.listUnits(), registry.listStates()]);
    const mine = projectUnitsOf(units, project).filter((u) => serviceOfUnit(u) === service && !unitNameInfo(u.name).isTemplate);
    if (mine.length === 0) throw composeLogsErrors.noService(project, service);
    const running = mine.flatMap((u) => states.filter((s) => s.unit === u.name && s.hash === u.hash).map((s) => ({ unit: u.name, machineId: s.machineId })));
    if (running.length === 0) throw composeLogsErrors.notRunning(project, service);
    const query = `lines=${opts.lines}${opts.follow ? '&follow=true' : ''}`;
    const prefixed = running.length > 1;
    const one = (r: { unit: string; machineId: string }) => streamUnit(ctx, r.unit, r.machineId, query, prefixed ? `${r.unit} | ` : '');
    if (opts.follow) await Promise.all(running.map(one));
    else for (const r of running) await one(r);
  },
  render: () => ({}),
});
