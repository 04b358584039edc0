/**
 * The replies node:http makes on its own, before any handler runs, given fleet's error body like every other
 * 4xx (docs/api.md, "Errors"): malformed HTTP (400), headers over Node's limit (431), a request timeout (408),
 * an `Expect` other than `100-continue` (417), and CONNECT, which node:http hands to a 'connect' listener and
 * otherwise drops without a word (fleet's Go mux answered it like any other method: 405/404 by path).
 * Node's own answers carry an empty body (https://nodejs.org/api/http.html#event-clienterror).
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { errorReply } from './http-errors.js';
import { route } from './routes.js';

export function rawErrorResponse(status: number, message: string): string {
  const body = JSON.stringify({ error: { code: status, message } });
  return (
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** Status and message for an error of node:http's parser (or its timeouts), as Node's default handler picks the status. */
export function clientErrorReply(err: NodeJS.ErrnoException & { reason?: string }): { status: number; message: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, message: `request headers larger than ${http.maxHeaderSize} bytes` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, message: 'chunk extensions too large' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, message: 'request not received in time' };
    default:
      return { status: 400, message: `malformed HTTP request: ${err.reason ?? err.message}` };
  }
}

function onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  // As Node's default: never write into a reply already under way on this socket, nor to a peer that is gone.
  const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) return void socket.destroy();
  const { status, message } = clientErrorReply(err);
  endWith(socket, rawErrorResponse(status, message));
}

/**
 * Writes the reply, then closes the socket once it is flushed, as Node's default does: nothing reads this socket
 * any more, so a socket merely ended stayed open for good with the unread rest of a large body (CONNECT).
 */
function endWith(socket: Duplex, response: string): void {
  socket.end(response, () => socket.destroy());
}

function onCheckExpectation(req: http.IncomingMessage, res: http.ServerResponse): void {
  const body = JSON.stringify({ error: { code: 417, message: `expectation ${JSON.stringify(req.headers.expect ?? '')} not supported: only 100-continue` } });
  res.writeHead(417, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

function onConnect(req: http.IncomingMessage, socket: Duplex): void {
  let reply = errorReply(new Error('unrouted CONNECT'));
  try {
    route('CONNECT', new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch (err) {
    reply = errorReply(err); // no route takes CONNECT: the path's 405 or 404
  }
  const { status, body } = reply.internal ? { status: 405, body: { error: { code: 405, message: '' } } } : reply;
  endWith(socket, rawErrorResponse(status, body.error.message));
}

export function answerNodeLevelErrors(server: http.Server): void {
  server.on('clientError', onClientError);
  server.on('checkExpectation', onCheckExpectation);
  server.on('connect', onConnect);
}
