/** `compose convert [--output-dir DIR]`: the units `up` would submit, printed (or written as files) for review. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { defineVerb } from '../commands/verb.js';
import { addComposeOptions, composeOptions } from './options.js';
import type { ComposeOptions } from './compose-file.js';

interface ConvertVerbOptions extends ComposeOptions {
  outputDir?: string;
}

export const composeConvert = defineVerb<ConvertVerbOptions, { stdout: string; stderr: string }>({
  name: 'convert',
  args: '',
  summary: 'Print the units a compose file becomes (what `compose up` submits)',
  examples: ['flotilla compose convert', 'flotilla compose -f examples/compose/compose.yaml convert --output-dir units/shop'],
  configure(cmd) {
    addComposeOptions(cmd).option('--output-dir <dir>', 'write each unit to DIR/NAME instead of printing them');
  },
  parseOptions: (raw) => ({ ...composeOptions(raw), ...(typeof raw.outputDir === 'string' ? { outputDir: raw.outputDir } : {}) }),
  async handler(ctx, _args, opts) {
    const loaded = await (await import('./compose-file.js')).loadCompose(ctx, opts);
    const stderr = loaded.warnings.map((w) => `${w}\n`).join('');
    if (opts.outputDir === undefined) {
      return { stdout: loaded.units.map((u) => `# ${u.name}\n${u.text}`).join('\n'), stderr };
    }
    const outputDir = opts.outputDir;
    const dir = path.resolve(ctx.cwd, outputDir);
    await fs.mkdir(dir, { recursive: true });
    for (const u of loaded.units) await fs.writeFile(path.join(dir, u.name), u.text);
    return { stdout: loaded.units.map((u) => `${path.join(outputDir, u.name)}\n`).join(''), stderr };
  },
  render: (r) => r,
});
