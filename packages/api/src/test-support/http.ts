/** A minimal HTTP client for API tests: unix socket or TCP (optionally TLS), with a deadline. */
import http from 'node:http';
import https from 'node:https';

export interface Target {
  socketPath?: string;
  port?: number;
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
  token?: string;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: unknown;
}

export function request(target: Target, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const options: https.RequestOptions = {
    method,
    path,
    timeout: 5000,
    headers: {
      ...(payload !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(target.token ? { Authorization: `Bearer ${target.token}` } : {}),
      ...headers,
    },
    ...(target.socketPath ? { socketPath: target.socketPath } : { host: '127.0.0.1', port: target.port }),
    ...(target.tls ? { ca: target.tls.ca, cert: target.tls.cert, key: target.tls.key, servername: 'localhost' } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = (target.tls ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
