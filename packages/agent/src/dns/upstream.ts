/**
 * Where names outside `flotilla.` go: the machine's own resolvers, read from /etc/resolv.conf (resolv.conf(5)), minus
 * the discovery DNS's own address, so a machine whose resolv.conf points at the agent does not loop. Pure.
 */
import net from 'node:net';

/** The `nameserver` addresses of a resolv.conf text, in order (comments, other keywords and bad addresses skipped). */
export function parseNameservers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const words = line.replace(/[#;].*$/, '').trim().split(/\s+/);
    // A scoped IPv6 nameserver (fe80::1%eth0) cannot be reached by the address alone; glibc ignores the scope too.
    const address = words[1]?.replace(/%.*$/, '');
    if (words[0] === 'nameserver' && address !== undefined && net.isIP(address) !== 0) out.push(address);
  }
  return out;
}

/** The resolvers to forward to: the machine's, without our own listening address(es). */
export function upstreamResolvers(resolvConf: string, own: readonly string[]): string[] {
  return parseNameservers(resolvConf).filter((ip) => !own.includes(ip));
}
