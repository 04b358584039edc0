import { describe, expect, test } from 'vitest';
import { FlotillaError, InvalidUnitNameError, RegistryTimeoutError, RegistryUnavailableError } from '@flotilla/core';
import { inStep } from './cli-errors.js';
import { formatError } from './report-error.js';

const ENDPOINTS = ['http://127.0.0.1:1'];

describe('formatError', () => {
  test.each<{ name: string; err: unknown; want: string[] }>([
    {
      name: 'message then hint',
      err: inStep('Error creating units', new InvalidUnitNameError('a!.service', "invalid character '!' in unit name")),
      want: [
        "Error creating units: invalid character '!' in unit name",
        'hint: unit names look like name.service, name@.service (template) or name@instance.service',
      ],
    },
    {
      name: 'unavailable already names the endpoint',
      err: new RegistryUnavailableError(ENDPOINTS),
      want: ['etcd unavailable at http://127.0.0.1:1', 'hint: check --endpoint and that etcd is running and reachable'],
    },
    {
      name: 'timeout gets the endpoint appended, also inside a step',
      err: inStep('Error retrieving list of units from repository', new RegistryTimeoutError('listStates', 4000)),
      want: [
        'Error retrieving list of units from repository: registry listStates timed out after 4000 ms (etcd at http://127.0.0.1:1)',
        'hint: etcd may be overloaded or partitioned; raise the request timeout or check the cluster health',
      ],
    },
    { name: 'no hint', err: new FlotillaError('CLI_USAGE', 'One unit file must be provided'), want: ['One unit file must be provided'] },
    { name: 'foreign error', err: new TypeError('boom'), want: ['Unexpected error: boom'] },
  ])('$name', ({ err, want }) => {
    expect(formatError(err, ENDPOINTS)).toEqual({ lines: want, exitCode: 1 });
  });
});
