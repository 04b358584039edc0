/** `submit UNIT...`: upload unit files into the cluster without scheduling them (as fleet's `fleetctl/submit.go`). */
import { duringStep } from '../cli-errors.js';
import { lazyCreateUnits } from '../units/lazy-create.js';
import { addReplaceOption } from './block-options.js';
import { defineVerb } from './verb.js';

interface SubmitOptions {
  replace: boolean;
}

export const submit = defineVerb<SubmitOptions, void>({
  name: 'submit',
  args: '[units...]',
  summary: 'Upload one or more units to the cluster without starting them',
  examples: ['flotilla submit hello.service', 'flotilla submit units/web@.service web@1 web@2', 'flotilla submit --replace hello.service'],
  configure: addReplaceOption,
  parseOptions: (raw) => ({ replace: Boolean(raw.replace) }),
  async handler(ctx, args, opts) {
    if (args.length === 0) return ctx.emit({ kind: 'no-units' });
    await duringStep('Error creating units', () => lazyCreateUnits(ctx, args, { replace: opts.replace, replaceableStates: ['inactive'] }));
  },
  render: () => ({}),
});
