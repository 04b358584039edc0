/**
 * Keeps dbus-next from decoding the bodies of systemd's `PropertiesChanged` signals, which the agent never reads:
 * it learns only *which* unit changed from a signal's object path and then reads the states it publishes with one
 * `ListUnitsByNames` (manager.ts). Starting 100 units brings ~1,700 of these signals, each a dictionary of every
 * property that emits changes (systemd's `src/core/dbus-unit.c`: the states, the job, timestamps in realtime and
 * monotonic pairs), whose 64-bit values dbus-next turns into `Long` objects, then strings, then BigInts:
 * measured as about half of an agent's CPU in a burst (docs/benchmarks.md, "The agent's D-Bus decoding").
 *
 * dbus-next (0.10.x, which package.json pins) parses every incoming message in `lib/message.js`'s
 * `unmarshalMessages`, which its connection looks up on that module object when it connects. This replaces it
 * with a parser that reads the fixed header and the header fields as dbus-next does (with its own `DBusBuffer`,
 * so every other message comes out exactly as before) and leaves the body of a `PropertiesChanged` signal
 * unread: such a message arrives with an empty body and signature. The D-Bus wire format is the specification's
 * ("Message Format", https://dbus.freedesktop.org/doc/dbus-specification.html#message-protocol-messages).
 * If dbus-next's internals are not what this expects, nothing is replaced (`installSignalBodySkip` says so).
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

/** The messages whose bodies are skipped: systemd's property-change signals (the agent reads only their path). */
export function skipsBody(type: number, iface: unknown, member: unknown): boolean {
  return type === SIGNAL && member === 'PropertiesChanged' && iface === 'org.freedesktop.DBus.Properties';
}

const SIGNAL = 4;
const LITTLE_ENDIAN = 0x6c; // 'l'
/** Header field codes → the names dbus-next gives them (the specification's "Header Fields" table). */
const FIELD_NAMES = [undefined, 'path', 'interface', 'member', 'errorName', 'replySerial', 'destination', 'sender', 'signature', 'unixFd'];

interface DBusBufferCtor {
  new (buffer: Buffer, startPos: number, endian: number, fds: unknown, options: unknown): {
    readArray(type: unknown, length: number): [number, [unknown, [unknown]]][];
    align(power: number): void;
    read(signature: string): unknown[];
  };
}

type OnMessage = (message: Record<string, unknown>) => void;

interface MessageModule {
  unmarshalMessages: (stream: Readable, onMessage: OnMessage, opts: unknown) => void;
}

let installed: boolean | undefined;

/**
 * Installs the parser once per process; true if it is in place. Call before the first connection is opened (a
 * connection picks its parser when its handshake ends).
 */
export function installSignalBodySkip(): boolean {
  if (installed !== undefined) return installed;
  try {
    const messages = require('dbus-next/lib/message.js') as MessageModule;
    const DBusBuffer = require('dbus-next/lib/dbus-buffer.js') as DBusBufferCtor;
    const [headerFieldsType] = (require('dbus-next/lib/header-signature.json') as [{ child: unknown[] }])[0].child;
    if (typeof messages.unmarshalMessages !== 'function' || typeof DBusBuffer !== 'function' || headerFieldsType === undefined) return (installed = false);
    messages.unmarshalMessages = (stream, onMessage, opts) => parseMessages(stream, onMessage, opts, DBusBuffer, headerFieldsType);
    return (installed = true);
  } catch {
    return (installed = false);
  }
}

/** Reads whole messages off `stream` as they arrive: the 16-byte fixed header, then the header fields and body. */
function parseMessages(stream: Readable, onMessage: OnMessage, opts: unknown, DBusBuffer: DBusBufferCtor, headerFieldsType: unknown): void {
  let fixed: Buffer | undefined;
  stream.on('readable', () => {
    for (;;) {
      if (fixed === undefined) {
        const header = stream.read(16) as Buffer | null;
        if (!header) return;
        fixed = header;
      }
      const header = fixed;
      const u32 = (at: number) => (header[0] === LITTLE_ENDIAN ? header.readUInt32LE(at) : header.readUInt32BE(at));
      const fieldsLength = u32(12);
      const bodyLength = u32(4);
      const rest = stream.read(((fieldsLength + 7) & ~7) + bodyLength) as (Buffer & { data?: Buffer; fds?: unknown }) | null;
      if (!rest) return;
      fixed = undefined;
      // A socket with fd passing hands back { data, fds } (dbus-next's usocket transport).
      const bytes = rest.data ?? rest;
      const buffer = new DBusBuffer(bytes, 0, header[0] as number, rest.fds, opts);
      const message: Record<string, unknown> = { serial: u32(8), type: header[1], flags: header[2] };
      for (const [code, [, [value]]] of buffer.readArray(headerFieldsType, fieldsLength)) {
        const name = FIELD_NAMES[code];
        if (name !== undefined) message[name] = value;
      }
      buffer.align(3);
      if (skipsBody(header[1] as number, message.interface, message.member)) delete message.signature;
      else if (bodyLength > 0 && typeof message.signature === 'string') message.body = buffer.read(message.signature);
      onMessage(message);
    }
  });
}
