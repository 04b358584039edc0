/** `compose build`: builds the services with `build:` and pushes them to the cluster's registry, without running anything. */
import { defineVerb } from '../commands/verb.js';
import type { ComposeOptions } from './compose-file.js';
import type { BuildOptions } from './build.js';
import { addBuildOptions, buildOptions } from './build-options.js';
import { addComposeOptions, composeOptions } from './options.js';

interface Opts extends ComposeOptions {
  build: BuildOptions;
}

export const composeBuild = defineVerb<Opts, void>({
  name: 'build',
  args: '',
  summary: 'Build the services that have build: with the local engine and push them to the cluster\'s registry',
  examples: ['flotilla compose build', 'flotilla compose build --engine podman'],
  configure(cmd) {
    addBuildOptions(addComposeOptions(cmd));
  },
  parseOptions: (raw) => ({ ...composeOptions(raw), build: buildOptions(raw) }),
  waitBudgetMs: (opts) => opts.build.buildTimeoutMs,
  async handler(ctx, _args, opts) {
    const loaded = await (await import('./compose-file.js')).loadCompose(ctx, opts);
    for (const w of loaded.warnings) ctx.emit({ kind: 'note', text: w, stderr: true });
    const pushed = await (await import('./build.js')).buildAndPush(ctx, loaded.project.services, opts.build);
    if (pushed.length === 0) ctx.emit({ kind: 'note', text: `Project ${loaded.project.name}: no service has build:` });
  },
  render: () => ({}),
});
