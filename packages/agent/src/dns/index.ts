/** Service discovery: the per-machine DNS answering from the published endpoints. See docs/discovery.md. */
export { startDiscoveryDns, DEFAULT_DNS_PORT, type DiscoveryDns, type DiscoveryDnsConfig } from './discovery-dns.js';
export { startDnsServer, DEFAULT_DNS_TTL_SEC, type DnsServer, type DnsServerOptions } from './dns-server.js';
export { buildNameTable, EMPTY_TABLE, type NameTable } from './name-table.js';
export { answerQuery, type Reply } from './answer.js';
export { DEFAULT_UNIT_RESOLV_CONF, unitResolvConf } from './unit-resolv-conf.js';
