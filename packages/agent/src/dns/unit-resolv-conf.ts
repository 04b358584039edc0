/**
 * The resolv.conf the agent offers plain `.service` units (docs/discovery.md): `/run/flotilla/resolv.conf`, naming
 * the agent's DNS (which forwards every other name) and the `flotilla` search domain. A unit opts in with
 * `BindReadOnlyPaths=/run/flotilla/resolv.conf:/etc/resolv.conf`; the machine's own resolver is left alone.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { DISCOVERY_ZONE } from '@flotilla/core';

export const DEFAULT_UNIT_RESOLV_CONF = '/run/flotilla/resolv.conf';

/** Pure: the file's text. `timeout:1`: an agent being restarted costs a lookup one second, not glibc's five. */
export function unitResolvConf(address: string): string {
  return [
    '# Written by the flotilla agent (docs/discovery.md): cluster names from its DNS, every other name forwarded.',
    `nameserver ${address}`,
    `search ${DISCOVERY_ZONE}`,
    'options timeout:1 attempts:3',
    '',
  ].join('\n');
}

/** Written whole or not at all (temporary file + rename), so a unit starting meanwhile never binds half a file. */
export async function writeUnitResolvConf(file: string, address: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, unitResolvConf(address), { mode: 0o644 });
  await fs.rename(tmp, file);
}
