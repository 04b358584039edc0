/**
 * On a node, the CLI and the LB often run from the agent's environment file (units/lb.service, the spark-worker
 * stand-in, a shell that sourced /etc/flotilla/agent.env): they reach etcd with the agent's settings, named as the
 * daemon names them (FLOTILLA_ETCD_CA_FILE, ..., FLOTILLA_ETCD_PASSWORD_FILE), wherever the CLI's own names
 * (FLOTILLA_CA_FILE, ..., FLOTILLA_ETCD_PASSWORD) are not set. Pure but for reading the password file, passed in.
 */
const FILE_NAMES: readonly [cli: string, agent: string][] = [
  ['FLOTILLA_CA_FILE', 'FLOTILLA_ETCD_CA_FILE'],
  ['FLOTILLA_CERT_FILE', 'FLOTILLA_ETCD_CERT_FILE'],
  ['FLOTILLA_KEY_FILE', 'FLOTILLA_ETCD_KEY_FILE'],
];

export function withAgentEtcdSettings(env: NodeJS.ProcessEnv, readFile: (file: string) => string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const [cli, agent] of FILE_NAMES) if (!out[cli] && env[agent]) out[cli] = env[agent];
  if (!out.FLOTILLA_ETCD_PASSWORD && env.FLOTILLA_ETCD_PASSWORD_FILE) out.FLOTILLA_ETCD_PASSWORD = readFile(env.FLOTILLA_ETCD_PASSWORD_FILE).trim();
  return out;
}
