/** What a handler gets and returns; only server.ts touches node:http. */
import type { IncomingHttpHeaders } from 'node:http';
import type { ClusterView, DeploymentCatalog, JournalOutputMode, MachineAdmin, MachineDirectory, ServiceCatalog, UnitCatalog, UnitStateView } from '@flotilla/core';
import type { PageCache } from './page-cache.js';
import type { RecentStops } from './recent-stops.js';

export interface ApiRequest {
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** Aborted when the client goes away (ends journal follows). */
  signal: AbortSignal;
  /** `http://host:port/` as the client addressed us (discovery's rootUrl). */
  rootUrl: string;
}

/** A chunk writer for streamed replies; resolves when the chunk is flushed or the client is gone. */
export type ChunkWriter = (chunk: string) => Promise<void>;

export interface ApiReply {
  status: number;
  /** Serialized as JSON with Content-Type application/json. */
  json?: unknown;
  /** Plain text body (Content-Type text/plain). */
  text?: string;
  /** Streamed text body (journal -f); ends when the promise settles. */
  stream?: (write: ChunkWriter, signal: AbortSignal) => Promise<void>;
}

/** The agent's own view of one unit (introspection built by the agent; served under /v2). */
export interface Introspection {
  unitStatus(name: string): Promise<string>;
  unitJournal(name: string, opts: { lines: number; follow: boolean; output?: JournalOutputMode; signal: AbortSignal }): AsyncIterable<string>;
}

/** What the fleet API routes read and write: units, states, machines (metadata, cordon) and a snapshot. */
export type ServedRegistry = UnitCatalog & UnitStateView & MachineDirectory & MachineAdmin & Pick<ClusterView, 'snapshot'> & Pick<ServiceCatalog, 'scaleService' | 'listServices'> &
  DeploymentCatalog;

export interface ApiDeps {
  registry: ServedRegistry;
  cache: PageCache;
  /** Restarts' stops made through this server's v1 PUTs (fleetctl's restart; recent-stops.ts). */
  stops: RecentStops;
  introspect?: Introspection;
}
