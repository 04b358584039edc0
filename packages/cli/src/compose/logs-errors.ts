/** The errors `compose logs` adds to the CLI's (cli-errors.ts). */
import { FlotillaError } from '@flotilla/core';

export { badOptionValue } from '../cli-errors.js';

export const composeLogsErrors = {
  oneService: () => new FlotillaError('COMPOSE_ONE_SERVICE', 'compose logs takes one service', { hint: 'flotilla compose logs SERVICE' }),
  noService: (project: string, service: string) =>
    new FlotillaError('COMPOSE_NO_SERVICE', `project ${project} has no service ${service}`, { hint: 'see `flotilla compose ps`' }),
  notRunning: (project: string, service: string) =>
    new FlotillaError('COMPOSE_NOT_RUNNING', `service ${service} of project ${project} runs nowhere yet`, { hint: 'see `flotilla compose ps`' }),
};
