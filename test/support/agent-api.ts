/**
 * Requests to an agent's TCP API as a client of the cluster would make them: over TLS trusting the cluster's CA,
 * with its bearer token (the harness gives every TCP API both; docs/cloud-config.md, "Secure by default").
 */
import https from 'node:https';
import type { Cluster } from '../harness/cluster.js';
import { clusterPki } from '../harness/pki.js';

export interface ApiReply {
  status: number;
  text: string;
  json: unknown;
}

export interface AgentApiClient {
  /** The cluster's API token. */
  token: string;
  /** The cluster's CA certificate (PEM). */
  ca: Buffer;
  /** `url` is a full https URL; `token: null` sends none. */
  request(method: string, url: string, opts?: { body?: unknown; token?: string | null; timeoutMs?: number }): Promise<ApiReply>;
}

export function agentApiClient(cluster: Cluster): AgentApiClient {
  const pki = clusterPki(cluster.state.pkiDir as string);
  const token = pki.apiToken();
  const ca = pki.caCert();
  return {
    token,
    ca,
    request(method, url, opts = {}) {
      const bearer = opts.token === undefined ? token : opts.token;
      const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
      const headers: Record<string, string> = {
        ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      };
      return new Promise((resolve, reject) => {
        const req = https.request(url, { method, ca, headers, agent: false, timeout: opts.timeoutMs ?? 10_000 }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            let json: unknown;
            try {
              json = text ? (JSON.parse(text) as unknown) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, text, json });
          });
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${url}: no answer within ${opts.timeoutMs ?? 10_000} ms`)));
        req.on('error', reject);
        req.end(body);
      });
    },
  };
}
