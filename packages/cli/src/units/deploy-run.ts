/**
 * Starting a deployment from the CLI and following it (docs/deployments.md): one place for `flotilla deploy` and
 * `compose up` (docs/compose.md), so both start it through the registry's one transaction (core's planStart
 * refusals: not a service, DEPLOYMENT_IN_PROGRESS) and report it with the same lines.
 */
import type { DeploymentRecord, UnitSpec } from '@flotilla/core';
import type { CliRegistry } from '../cli-registry.js';
import type { CommandContext } from '../commands/verb.js';
import { followDeployment } from './deploy-follow.js';

export interface RunDeploymentOptions {
  /** Follow until it ends; else return once it is started. */
  block: boolean;
  /** Stop following after this long (the deployment goes on: DEPLOYMENT_WAIT_TIMEOUT). */
  deadlineMs?: number;
}

/** Starts the deployment of `spec` and, with `block`, follows it: throws DEPLOYMENT_FAILED or DEPLOYMENT_REVERTED
 * when it ended so (followDeployment). Returns the last record read. */
export async function runDeployment(ctx: CommandContext, registry: CliRegistry, spec: UnitSpec, opts: RunDeploymentOptions): Promise<DeploymentRecord> {
  const d = await registry.startDeployment(spec);
  ctx.emit({ kind: 'deploy-step', text: `Deployment ${d.id} of ${d.template} started` });
  return opts.block ? followDeployment(ctx, registry, d, opts.deadlineMs) : d;
}
