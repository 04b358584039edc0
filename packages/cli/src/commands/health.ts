/**
 * `health`: one screen on whether the cluster needs attention (docs/ops.md). With the etcd driver the health
 * model runs here on one registry read; with the API driver the agent's `/v2/health` answers (same model).
 * Exit 0 when healthy, 2 when something needs attention (units failed/unscheduled/lost, machines lost, no
 * leader), 1 when the cluster could not be read — so scripts can tell "unhealthy" from "unreachable".
 */
import type { HealthReport } from '@flotilla/api/health';
import type { OptionValues } from 'commander';
import { inStep } from '../cli-errors.js';
import { googleApiError } from '../api/transport.js';
import { renderJson, type OutputFormat } from '../render/output-format.js';
import { agentTransport } from '../units/agent-api.js';
import { parseOutput } from './list-options.js';
import { defineVerb, type CommandContext } from './verb.js';

export const ATTENTION_EXIT_CODE = 2;

/** The health model alone (no HTTP server, D-Bus or prom-client), loaded only when `health` runs (cold-start.test.ts). */
const healthModel = () => import('@flotilla/api/health');

interface HealthResult {
  report: HealthReport;
  summary: string;
}

async function viaApi(ctx: CommandContext): Promise<HealthReport> {
  const reply = await agentTransport(ctx.globals.endpoints[0] as string, ctx.globals).send('GET', '/v2/health');
  if (reply.status !== 200) throw googleApiError(reply.status, reply.body);
  return JSON.parse(reply.body) as HealthReport;
}

async function viaRegistry(ctx: CommandContext): Promise<HealthReport> {
  const { ops } = await ctx.connection();
  if (!ops) throw new Error('this registry cannot report health');
  const { buildHealth, readHealthInput } = await healthModel();
  return buildHealth(await readHealthInput(ops, Date.now));
}

export const health = defineVerb<{ output: OutputFormat }, HealthResult>({
  name: 'health',
  args: '',
  summary: 'Summarise cluster health; exit 2 when something needs attention',
  examples: ['flotilla health', 'flotilla health -o json | jq .problems', 'flotilla health || page-oncall'],
  configure: (cmd) => void cmd.option('-o, --output <format>', 'table or json', 'table'),
  parseOptions: (raw: OptionValues) => ({ output: parseOutput(raw) }),
  async handler(ctx) {
    try {
      const report = ctx.globals.driver === 'api' ? await viaApi(ctx) : await viaRegistry(ctx);
      return { report, summary: (await healthModel()).renderHealthSummary(report) };
    } catch (err) {
      throw inStep('Error retrieving cluster health', err);
    }
  },
  render: ({ report, summary }, opts) => ({
    stdout: opts.output === 'json' ? renderJson(report) : summary,
    ...(report.status === 'ok' ? {} : { exitCode: ATTENTION_EXIT_CODE }),
  }),
});
