/**
 * The connect-time check: one cheap read under the request deadline. Any failure here, a timeout included,
 * means we could not reach etcd, so it is reported as RegistryUnavailableError naming the endpoints.
 */
import { RegistryTimeoutError, RegistryUnavailableError } from '../errors.js';
import type { RegistryContext } from './context.js';

export async function probe(ctx: RegistryContext): Promise<void> {
  try {
    await ctx.run('connect', async () => {
      await ctx.range(ctx.keys.prefix, { limit: 1, keys_only: true });
    });
  } catch (err) {
    if (err instanceof RegistryTimeoutError) throw new RegistryUnavailableError(ctx.endpoints, { cause: err });
    throw err;
  }
}
