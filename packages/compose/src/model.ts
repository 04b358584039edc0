/** A compose project as Flotilla understands it: the supported keys of each service, checked and normalised. */
import type { ComposeProblem } from './errors.js';

export interface PortSpec {
  hostIp?: string;
  /** Published on the machine at this port; the same number as the container's when the file gives none. */
  host: number;
  container: number;
  protocol: 'tcp' | 'udp';
}

export interface VolumeSpec {
  kind: 'bind' | 'volume' | 'anonymous';
  /** Absolute host path (bind) or the volume's name on the machine (volume). */
  source?: string;
  target: string;
  readOnly: boolean;
}

export interface HealthSpec {
  /** One shell command line, as the engine's `--health-cmd` takes it. */
  cmd: string;
  interval?: string;
  timeout?: string;
  retries?: number;
  startPeriod?: string;
}

export type DependencyCondition = 'service_started' | 'service_healthy';

export interface Dependency {
  service: string;
  condition: DependencyCondition;
}

/** `deploy.update_config` in the deploy strategy's terms ([X-Flotilla] keys of the deployment machinery). */
export interface UpdateSpec {
  maxParallel?: number;
  minHealthyTime?: string;
  healthyDeadline?: string;
  autoRevert?: boolean;
}

/** `build:`: what the CLI hands the local engine (`docker build`); the unit runs the pushed result. */
export interface BuildSpec {
  /** Absolute directory. */
  context: string;
  /** Relative to the context, as `docker build -f` takes it; absent means the engine's default (Dockerfile). */
  dockerfile?: string;
  args: [string, string][];
  target?: string;
  /** `registry.flotilla:5000/P/S:TAG`: the tag the engine gives the build, and the unit's Image=. */
  image: string;
}

export interface ServiceSpec {
  name: string;
  image: string;
  build?: BuildSpec;
  entrypoint?: string[];
  command?: string[];
  /** KEY → value in file order, env_file first and `environment` over it. */
  environment: [string, string][];
  ports: PortSpec[];
  volumes: VolumeSpec[];
  dependsOn: Dependency[];
  health?: HealthSpec;
  restart: 'no' | 'always' | 'on-failure';
  labels: [string, string][];
  /** Set when `deploy.replicas` is: the service becomes a template with a stored count. */
  replicas?: number;
  global: boolean;
  /** `node.labels.K == V` constraints. */
  metadata: [string, string][];
  /** `node.hostname == H`: resolved to a machine ID when the units are made. */
  hostname?: string;
  memory?: string;
  cpus?: string;
  update: UpdateSpec;
  conflicts: string[];
  machineOf: string[];
}

export interface ComposeProject {
  name: string;
  file: string;
  services: ServiceSpec[];
  /** Findings that did not stop the conversion (unset variables, local volumes, ignored keys). */
  warnings: ComposeProblem[];
}
