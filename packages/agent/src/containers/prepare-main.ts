/**
 * `node prepare-main.js prepare --engine=docker --unit=U --container=N --image=I --machine=M --units-dir=D`:
 * the ExecStartPre of every container service (render.ts). Logs one JSON line (pino) to stderr, which systemd
 * puts in the unit's journal; exits 1 with the typed error's code and message when the container cannot start.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { isFlotillaError, sleep } from '@flotilla/core';
import { ContainerEngineClient } from './engine-client.js';
import { prepareContainer } from './prepare.js';
import { PullStore } from './pull-store.js';
import { containerServiceName } from './render.js';
import { parsePrepareArgs } from './prepare-args.js';
import type { ContainerEngineName } from './spec.js';

async function main(): Promise<number> {
  const logger = pino({ base: { component: 'container-prepare' } }, pino.destination(2));
  let args: ReturnType<typeof parsePrepareArgs>;
  try {
    args = parsePrepareArgs(process.argv.slice(2));
  } catch (err) {
    logger.error({ err }, (err as Error).message);
    return 2;
  }
  const unitsDir = args['units-dir'];
  const deps = {
    client: new ContainerEngineClient(args.engine as ContainerEngineName),
    store: new PullStore(process.env.FLOTILLA_CONTAINER_STATE_DIR),
    unitExists: (unit: string) => unitFileExists(unitsDir, unit),
    now: () => Date.now(),
    maxWaitMs: 60_000, // + pullTimeoutMs: within render.ts's PREPARE_BUDGET_SEC
    pullTimeoutMs: 240_000,
    sleep,
  };
  const input = { unit: args.unit, container: args.container, image: args.image, machineId: args.machine };
  try {
    const report = await prepareContainer(input, deps);
    logger.info({ unit: args.unit, engine: args.engine, ...report }, 'container prepared');
    return 0;
  } catch (err) {
    const code = isFlotillaError(err) ? err.code : 'CONTAINER_PREPARE';
    logger.error({ unit: args.unit, engine: args.engine, code, err }, `${code}: ${(err as Error).message}`);
    return 1;
  }
}

/** Is the unit's service file still in the agent's units directory? A label we cannot map counts as present. */
async function unitFileExists(unitsDir: string, unit: string): Promise<boolean> {
  let file: string;
  try {
    file = path.join(unitsDir, containerServiceName(unit));
  } catch {
    return true;
  }
  return fs.access(file).then(() => true, () => false);
}

process.exitCode = await main();
