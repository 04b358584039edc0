/** The agent's etcd credentials as the registry takes them: the password read from its file when one is named. */
import fs from 'node:fs';
import { DaemonConfigError, type DaemonConfig } from './config.js';

/** The etcd password, from FLOTILLA_ETCD_PASSWORD_FILE when given (trimmed; empty is refused, naming the key). */
export function resolveEtcdAuth(auth: NonNullable<DaemonConfig['etcdAuth']>): { username: string; password: string } {
  if (!auth.passwordFile) return { username: auth.username, password: auth.password };
  let password: string;
  try {
    password = fs.readFileSync(auth.passwordFile, 'utf8').trim();
  } catch (err) {
    throw new DaemonConfigError('FLOTILLA_ETCD_PASSWORD_FILE', `cannot read ${auth.passwordFile}: ${(err as Error).message}`);
  }
  if (password === '') throw new DaemonConfigError('FLOTILLA_ETCD_PASSWORD_FILE', `${auth.passwordFile} is empty`);
  return { username: auth.username, password };
}
