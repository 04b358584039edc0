export { startApiServer, type ApiServer, type ApiServerOptions, type BoundAddress, type ListenSpec, type TlsMaterial } from './server.js';
export type { Introspection as ApiIntrospection, ServedRegistry } from './request.js';
export { encodePageToken, decodePageToken, PAGE_LIMIT } from './pagination.js';
export type { UnitJson, UnitStateJson, MachineJson } from './json.js';
