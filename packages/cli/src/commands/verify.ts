/** `verify UNIT`: fleetctl's deprecated signature check; prints the deprecation warning and exits 2. */
import { defineVerb } from './verb.js';

export const VERIFY_WARNING = 'WARNING: The signed/verified units feature is DEPRECATED and cannot be used.';

export const verify = defineVerb<Record<string, never>, void>({
  name: 'verify',
  args: '[unit...]',
  summary: 'DEPRECATED: verification of units is not supported',
  examples: ['flotilla verify hello.service   # prints the deprecation warning, exit 2'],
  parseOptions: () => ({}),
  async handler() {},
  render: () => ({ stderr: `${VERIFY_WARNING}\n`, exitCode: 2 }),
});
