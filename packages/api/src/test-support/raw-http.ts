/**
 * A raw HTTP/1.1 client for fuzzing the API: writes the request bytes exactly as given (any method, any target,
 * NULs, duplicate or malformed headers, a Content-Length that lies, a body cut short), which node:http's client
 * refuses to send, and reads one response back. Streams (event-stream, chunked without end) are cut once the
 * head is in: the status is what the fuzz judges.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** The request target as sent: path, query, anything. */
  target: string;
  headers: readonly (readonly [string, string])[];
  body: Buffer;
  /** Send only this many bytes of the body, then half-close (a client that went away mid-body). */
  sendBytes?: number;
}

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** `undefined`: the server closed the connection without a complete response head. */
export type RawOutcome = RawReply | undefined;

export function encodeRequest(req: RawRequest): Buffer {
  const head = `${req.method} ${req.target} HTTP/1.1\r\n${req.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const body = req.sendBytes === undefined ? req.body : req.body.subarray(0, req.sendBytes);
  return Buffer.concat([Buffer.from(head, 'utf8'), body]);
}

interface Head {
  status: number;
  headers: Record<string, string>;
  bodyStart: number;
}

function parseHead(data: Buffer): Head | undefined {
  const end = data.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? NaN);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, bodyStart: end + 4 };
}

/** The body when complete (by Content-Length or chunked framing), else undefined. */
function completeBody(head: Head, rest: Buffer, method: string): Buffer | undefined {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return Buffer.alloc(0);
  if ((head.headers['content-type'] ?? '').startsWith('text/event-stream')) return Buffer.alloc(0);
  const length = head.headers['content-length'];
  if (length !== undefined) return rest.length >= Number(length) ? rest.subarray(0, Number(length)) : undefined;
  if (head.headers['transfer-encoding'] === 'chunked') return dechunk(rest);
  return undefined; // read to close
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(data.subarray(at, eol).toString('latin1'), 16);
    if (Number.isNaN(size)) return Buffer.concat(parts);
    if (size === 0) return Buffer.concat(parts);
    if (data.length < eol + 2 + size + 2) return undefined;
    parts.push(data.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** Sends one raw request over a unix socket (or TCP port) and resolves with the first final response. */
export function sendRaw(where: { socketPath: string } | { port: number }, req: RawRequest, timeoutMs = 10_000): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = 'socketPath' in where ? net.connect(where.socketPath) : net.connect(where.port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (outcome: RawOutcome | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (outcome instanceof Error) reject(outcome);
      else resolve(outcome);
    };
    const timer = setTimeout(() => finish(new Error(`${req.method} ${req.target.slice(0, 120)}: no answer within ${timeoutMs} ms`)), timeoutMs);
    const tryParse = (closed: boolean) => {
      let head = parseHead(data);
      // Interim 1xx responses (100 Continue) come before the final one.
      while (head && head.status >= 100 && head.status < 200) {
        data = data.subarray(head.bodyStart);
        head = parseHead(data);
      }
      if (!head) return closed ? finish(undefined) : undefined;
      const rest = data.subarray(head.bodyStart);
      const body = completeBody(head, rest, req.method);
      if (body !== undefined) return finish({ status: head.status, headers: head.headers, body });
      if (closed) finish({ status: head.status, headers: head.headers, body: rest });
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      tryParse(false);
    });
    socket.on('end', () => tryParse(true));
    socket.on('close', () => tryParse(true));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it refused (a body too large) after answering: judge what came back.
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return tryParse(true);
      finish(err);
    });
    socket.on('connect', () => {
      socket.write(encodeRequest(req));
      if (req.sendBytes !== undefined) socket.end();
    });
  });
}
