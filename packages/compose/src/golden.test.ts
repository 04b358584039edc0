/**
 * Whole conversions against golden files (testdata/NAME.compose.yaml → NAME.golden): warnings, then each unit's
 * text. `UPDATE_GOLDEN=1 npx vitest run packages/compose` rewrites them; review the diff before committing.
 * Every unit also passes what `flotilla submit` checks (file parse, fleet's option rules, the container unit's
 * keys) and is accepted by a registry in one batch.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadUnitFile, validateUnitOptions } from '@flotilla/core';
import { describe, expect, test } from 'vitest';
import { containerSpecFromOptions } from '../../agent/src/containers/spec.js';
import { MemoryRegistry } from '../../core/src/testing/memory-registry.js';
import { convert, type Conversion } from './convert.js';
import { formatProblem } from './errors.js';

const DIR = path.join(import.meta.dirname, '../testdata');
const CASES = fs.readdirSync(DIR).filter((f) => f.endsWith('.compose.yaml')).map((f) => f.replace(/\.compose\.yaml$/, ''));

/** Fixed path in messages and resolved binds, whichever checkout runs the test. */
const FILE = '/srv/example/compose.yaml';
const conversion = (name: string): Conversion =>
  convert(fs.readFileSync(path.join(DIR, `${name}.compose.yaml`), 'utf8'), {
    file: FILE,
    env: {},
    readFile: (f) => (f.startsWith('/srv/example/') ? fs.readFileSync(path.join(DIR, path.basename(f)), 'utf8') : undefined),
  });

function render(c: Conversion): string {
  const warnings = c.project.warnings.map((w) => `# warning: ${formatProblem(w)}\n`).join('');
  return `${warnings}${c.units.map((u) => `# ---- ${u.name}\n${u.text}`).join('\n')}`;
}

describe.each(CASES)('%s', (name) => {
  test('matches its golden file, and converting twice gives the same text', () => {
    const text = render(conversion(name));
    expect(render(conversion(name))).toBe(text);
    const golden = path.join(DIR, `${name}.golden`);
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(golden, text);
    expect(text).toBe(fs.readFileSync(golden, 'utf8'));
  });

  test('every unit passes submit’s checks and a registry takes them all', async () => {
    const { units } = conversion(name);
    for (const unit of units) {
      const spec = loadUnitFile(unit.name, unit.text);
      expect(spec.options).toEqual(unit.options);
      validateUnitOptions(unit.name, spec.options);
      // The agent renders instances (a template never runs itself): check the template's first one.
      containerSpecFromOptions(unit.name.replace('@.', '@1.'), spec.options, 'docker');
    }
    const registry = new MemoryRegistry();
    const stored = await registry.submitUnits(units.map((u) => ({ name: u.name, options: u.options })));
    expect(stored.map((r) => r.name)).toEqual(units.map((u) => u.name));
  });
});
