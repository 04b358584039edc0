export { convert, type Conversion, type ConvertOptions } from './convert.js';
export { readComposeProject, type ReadOptions } from './read-project.js';
export { projectUnits, unitNameOf, type ComposeUnit, type UnitOptions } from './units.js';
export { normaliseProjectName } from './project-name.js';
export { ComposeInvalidError, ComposeUnsupportedError, formatProblem, type ComposeProblem, type ComposeProblemKind } from './errors.js';
export { builtImageName } from './read-build.js';
export type { BuildSpec, ComposeProject, ServiceSpec, Dependency, DependencyCondition, PortSpec, VolumeSpec, HealthSpec, UpdateSpec } from './model.js';
