/**
 * The discovery DNS settings of the daemon (docs/discovery.md). Pure: the environment in, the settings out, or a
 * DaemonConfigError naming the key.
 * - FLOTILLA_DNS: on (default) | off
 * - FLOTILLA_DNS_ADDRESS: the IP to listen on; default the machine's public IP (FLOTILLA_PUBLIC_IP or guessed)
 * - FLOTILLA_DNS_PORT: default 53; containers and units are pointed at the DNS only on 53 (resolv.conf and
 *   `docker run --dns` name no port)
 */
import net from 'node:net';
import { DaemonConfigError } from './config-error.js';

export interface DnsSettings {
  enabled: boolean;
  /** '' = the machine's public IP. */
  address: string;
  port: number;
}

export function readDnsSettings(env: NodeJS.ProcessEnv): DnsSettings {
  const flag = (env.FLOTILLA_DNS ?? '').trim().toLowerCase();
  if (flag !== '' && !/^(on|off|1|0|yes|no|true|false)$/.test(flag)) {
    throw new DaemonConfigError('FLOTILLA_DNS', `expected on or off, got "${env.FLOTILLA_DNS}"`);
  }
  const address = (env.FLOTILLA_DNS_ADDRESS ?? '').trim();
  if (address !== '' && net.isIP(address) === 0) throw new DaemonConfigError('FLOTILLA_DNS_ADDRESS', `"${address}" is not an IP address`);
  const rawPort = (env.FLOTILLA_DNS_PORT ?? '').trim();
  const port = rawPort === '' ? 53 : Number(rawPort);
  if (!/^\d+$/.test(rawPort || '53') || port < 1 || port > 65535) {
    throw new DaemonConfigError('FLOTILLA_DNS_PORT', `expected a port from 1 to 65535, got "${env.FLOTILLA_DNS_PORT}"`);
  }
  return { enabled: !/^(off|0|no|false)$/.test(flag), address, port };
}
