/**
 * `compose up [--wait] [--timeout S]`: makes the cluster run the compose file (docs/compose.md). Applies the
 * difference to what runs (up-plan.ts) service by service in depends_on order; a service waits for the services
 * it depends on to be started (or healthy, `condition: service_healthy`) before it is created, replaced or
 * deployed. A changed service goes through a deployment (docs/deployments.md), followed as `flotilla deploy`
 * follows one; when it fails or is reverted, the services that depend on it are not applied and `up` exits
 * non-zero. `--wait` then waits until every service runs, and is healthy where it has a health check.
 */
import { FlotillaError } from '@flotilla/core';
import type { ComposeUnit } from '@flotilla/compose';
import type { CliRegistry } from '../cli-registry.js';
import { duringStep } from '../cli-errors.js';
import { defineVerb, type CommandContext } from '../commands/verb.js';
import { runDeployment } from '../units/deploy-run.js';
import type { ComposeOptions, LoadedCompose } from './compose-file.js';
import type { BuildOptions } from './build.js';
import { addBuildOptions, buildOptions } from './build-options.js';
import { addComposeOptions, composeOptions, timeoutMs } from './options.js';
import { projectUnitsOf } from './project-units.js';
import { blockedBy, planUp, type ServiceAction, type UpPlan } from './up-plan.js';
import { waitForServices } from './wait.js';

const DEFAULT_TIMEOUT_SEC = 300;
/** How a deployment ended badly (units/deploy-follow.ts): the service's dependents are skipped, the rest goes on. */
const DEPLOYMENT_ENDINGS: ReadonlySet<string> = new Set(['DEPLOYMENT_FAILED', 'DEPLOYMENT_REVERTED']);

interface UpOptions extends ComposeOptions {
  wait: boolean;
  /** Services with `build:` are built and pushed first unless --no-build. */
  build: BuildOptions | undefined;
  timeoutMs: number;
}

async function readPlan(registry: CliRegistry, loaded: Pick<LoadedCompose, 'project' | 'units'>): Promise<UpPlan> {
  const [units, services, deployments] = await Promise.all([registry.listUnits(), registry.listServices(), registry.listDeployments()]);
  return planUp(loaded.project.services, loaded.units, projectUnitsOf(units, loaded.project.name), { services, deployments });
}

async function apply(ctx: CommandContext, registry: CliRegistry, action: ServiceAction, deadline: number): Promise<void> {
  const { unit } = action;
  const spec = { name: unit.name, options: unit.options };
  const count = unit.replicas === undefined ? '' : ` (${unit.replicas} replicas)`;
  // A single unit is created launched; a template stores its count (Replicas=) and the scheduler makes the instances.
  const launched = unit.replicas === undefined ? { desiredState: 'launched' as const } : {};
  switch (action.kind) {
    case 'unchanged':
      return ctx.emit({ kind: 'note', text: `Unchanged ${unit.name}${count}` });
    case 'create':
      await registry.submitUnit(spec, launched);
      return ctx.emit({ kind: 'note', text: `Created ${unit.name}${count}` });
    case 'scale':
      await registry.scaleService(unit.name, unit.replicas ?? 0);
      return ctx.emit({ kind: 'note', text: `Scaled ${unit.name} ${action.from ?? '?'} → ${unit.replicas}` });
    case 'deploy':
      // Followed within up's one deadline (--timeout); past it the deployment goes on and up fails.
      await runDeployment(ctx, registry, action.spec, { block: true, deadlineMs: Math.max(0, deadline - Date.now()) });
      if (action.scaleTo === undefined) return;
      await registry.scaleService(unit.name, action.scaleTo);
      return ctx.emit({ kind: 'note', text: `Scaled ${unit.name} ${action.from ?? '?'} → ${action.scaleTo}` });
    case 'replace':
      await registry.submitUnit(spec, { ...launched, replace: true });
      // The instances are copies of the old template: destroyed, the scheduler makes them again from the new one.
      for (const instance of action.instances) await registry.destroyUnit(instance);
      return ctx.emit({ kind: 'note', text: `Replaced ${unit.name}${count}` });
  }
}

const readiness = (unit: ComposeUnit, healthy: boolean) => ({ unit, want: healthy ? ('healthy' as const) : ('started' as const) });

interface ApplyRun {
  project: LoadedCompose['project'];
  unitOf: ReadonlyMap<string, ComposeUnit>;
  plan: UpPlan;
  deadline: number;
  timeoutSec: number;
}

/** Applies each service's action in start order, after its dependencies are ready. A deployment that failed or
 * was reverted is kept (service → error) and its dependents skipped; any other error stops `up`. */
async function applyServices(ctx: CommandContext, registry: CliRegistry, run: ApplyRun): Promise<Map<string, FlotillaError>> {
  const failed = new Map<string, FlotillaError>();
  for (const { service, action } of run.plan.services) {
    const spec = run.project.services.find((s) => s.name === service)!;
    const blocker = blockedBy(service, run.project.services, new Set(failed.keys()));
    if (blocker !== undefined && action.kind !== 'unchanged') {
      ctx.emit({ kind: 'note', text: `Skipped ${action.unit.name}: it depends on ${blocker}, whose deployment did not succeed`, stderr: true });
      continue;
    }
    if (action.kind !== 'unchanged' && action.kind !== 'scale' && spec.dependsOn.length > 0) {
      const targets = spec.dependsOn.map((d) => ({ ...readiness(run.unitOf.get(d.service)!, d.condition === 'service_healthy'), label: `${d.service} (${d.condition})` }));
      ctx.emit({ kind: 'note', text: `Waiting for ${targets.map((t) => t.label).join(', ')}` });
      await waitForServices(registry, targets, run.deadline, run.timeoutSec);
    }
    try {
      await duringStep('Error applying the compose file', () => apply(ctx, registry, action, run.deadline));
    } catch (err) {
      if (!(err instanceof FlotillaError) || !DEPLOYMENT_ENDINGS.has(err.code)) throw err;
      failed.set(service, err);
    }
  }
  return failed;
}

export const composeUp = defineVerb<UpOptions, void>({
  name: 'up',
  args: '',
  summary: 'Run a compose file on the cluster, or apply its changes to what runs',
  examples: ['flotilla compose up', 'flotilla compose up --engine podman --no-build', 'flotilla compose -f examples/compose/compose.yaml up --wait', 'flotilla compose -p staging up --timeout 600'],
  configure(cmd) {
    addBuildOptions(addComposeOptions(cmd))
      .option('--no-build', 'do not build services that have build: (run what the registry holds)')
      .option('--wait', 'wait until every service runs, and is healthy where it has a healthcheck')
      .option('--timeout <seconds>', `deadline for depends_on, following deployments and --wait (default ${DEFAULT_TIMEOUT_SEC})`);
  },
  parseOptions: (raw) => ({ ...composeOptions(raw), wait: Boolean(raw.wait), timeoutMs: timeoutMs(raw, DEFAULT_TIMEOUT_SEC), build: raw.build === false ? undefined : buildOptions(raw) }),
  waitBudgetMs: (opts) => opts.timeoutMs + (opts.build?.buildTimeoutMs ?? 0),
  async handler(ctx, _args, opts) {
    const loaded = await (await import('./compose-file.js')).loadCompose(ctx, opts);
    for (const w of loaded.warnings) ctx.emit({ kind: 'note', text: w, stderr: true });
    const { project, units } = loaded;
    const registry = await ctx.registry();
    // Planned first: a refusal (a deployment in progress) builds nothing and writes nothing.
    let plan = await readPlan(registry, loaded);
    // Built and pushed before the cluster is touched: a failed build leaves nothing submitted. Planned again
    // after, since a build may take long.
    if (opts.build && project.services.some((s) => s.build !== undefined)) {
      await (await import('./build.js')).buildAndPush(ctx, project.services, opts.build);
      plan = await readPlan(registry, loaded);
    }
    const deadline = Date.now() + opts.timeoutMs;
    const unitOf = new Map(units.map((u) => [u.service, u]));
    const failed = await applyServices(ctx, registry, { project, unitOf, plan, deadline, timeoutSec: opts.timeoutMs / 1000 });
    for (const name of plan.remove) {
      if (await duringStep('Error destroying units', () => registry.destroyUnit(name))) ctx.emit({ kind: 'destroyed', unit: name });
    }
    // The first failure is the error (exit status, hint); any other is listed before it.
    const [first, ...others] = failed.values();
    for (const e of others) ctx.emit({ kind: 'note', text: e.message, stderr: true });
    if (first) throw first;
    if (!opts.wait) return;
    const all = project.services.map((s) => ({ ...readiness(unitOf.get(s.name)!, s.health !== undefined), label: s.name }));
    await waitForServices(registry, all, deadline, opts.timeoutMs / 1000);
    ctx.emit({ kind: 'note', text: `Project ${project.name}: ${project.services.length} services up` });
  },
  render: () => ({}),
});
