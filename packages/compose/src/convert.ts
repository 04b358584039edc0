/** The whole conversion: compose text → project → units (docs/compose.md). Pure apart from the `readFile` given. */
import type { ComposeProject } from './model.js';
import { readComposeProject, type ReadOptions } from './read-project.js';
import { projectUnits, type ComposeUnit, type UnitOptions } from './units.js';

export interface ConvertOptions extends ReadOptions, UnitOptions {}

export interface Conversion {
  project: ComposeProject;
  units: ComposeUnit[];
}

export function convert(composeText: string, opts: ConvertOptions): Conversion {
  const project = readComposeProject(composeText, opts);
  return { project, units: projectUnits(project, opts) };
}
