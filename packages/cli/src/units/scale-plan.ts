/**
 * `scale`'s argument parsing: which template a TEMPLATE argument names and the instance count. The plan itself
 * (which instances to create, launch, destroy) is core's planScale, shared with the API's scale endpoint.
 */
import { FlotillaError, MAX_SCALE, scaleTemplateParts, type ScaleTarget } from '@flotilla/core';

export { MAX_SCALE, planScale, type ScalePlan, type ScaleTarget } from '@flotilla/core';

function usage(message: string): FlotillaError {
  return new FlotillaError('CLI_USAGE', message, { hint: 'usage: flotilla scale TEMPLATE@ N, e.g. flotilla scale app@ 3' });
}

/** `app@`, `app@.service`, `units/app@.container` → the template; anything else is a usage error. */
export function parseScaleTarget(arg: string): ScaleTarget {
  const slash = arg.lastIndexOf('/');
  const parts = scaleTemplateParts(arg.slice(slash + 1));
  if (!parts) throw usage(`${JSON.stringify(arg)} is not a template (expected NAME@ or NAME@.service)`);
  return { dir: arg.slice(0, slash + 1), ...parts };
}

export function parseScaleCount(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > MAX_SCALE) throw usage(`invalid instance count ${JSON.stringify(text)}: expected an integer 0..${MAX_SCALE}`);
  return n;
}
