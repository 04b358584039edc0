/** The machine's identity, read once at start: /etc/machine-id (required, as in fleet), hostname, public IP. */
import fs from 'node:fs';
import os from 'node:os';
import { FlotillaError } from '@flotilla/core';

export function readMachineId(file = '/etc/machine-id'): string {
  let id = '';
  try {
    id = fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new FlotillaError('NO_MACHINE_ID', `unable to determine local machine ID: cannot read ${file}`, { cause: err });
  }
  if (!/^[0-9a-f]{32}$/.test(id)) {
    throw new FlotillaError('NO_MACHINE_ID', `unable to determine local machine ID: ${file} does not hold a 32-hex-digit id`, {
      hint: 'run systemd-machine-id-setup',
    });
  }
  return id;
}

/** First non-internal IPv4 address, as fleet's public_ip fallback. */
export function guessPublicIp(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}
