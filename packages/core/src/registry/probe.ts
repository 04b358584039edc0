/**
 * The connect-time check: one cheap read under the request deadline, unless the port's own connect step (the auth
 * exchange: a saved token's Status call or Authenticate) already had an answer from etcd — a round trip less for
 * every CLI command (docs/benchmarks.md, "CLI cold start, third pass"). Any failure here, a timeout included,
 * means we could not reach etcd, so it is reported as RegistryUnavailableError naming the endpoints.
 */
import { RegistryTimeoutError, RegistryUnavailableError } from '../errors.js';
import type { RegistryContext } from './context.js';

export async function probe(ctx: RegistryContext): Promise<void> {
  try {
    await ctx.run('connect', async () => {
      if (await ctx.port.connectCheck?.()) return;
      await ctx.range(ctx.keys.prefix, { limit: 1, keys_only: true });
    });
  } catch (err) {
    if (err instanceof RegistryTimeoutError) throw new RegistryUnavailableError(ctx.endpoints, { cause: err });
    throw err;
  }
}
