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
 * If dbus-next's internals are not what this expects, nothing is replaced (and manager.systemd.test.ts fails).
 */
import { createRequire } from 'node:module';
import type { Readable } from 'node:stream';

const require = createRequire(import.meta.url);

const LITTLE_ENDIAN = 0x6c; // 'l'

/** What the parser takes from dbus-next: its buffer reader, the header fields' type and names, the signal type. */
interface DBusInternals {
  DBusBuffer: DBusBufferCtor;
  headerFieldsType: unknown;
  /** Header field code → the name dbus-next gives it (`constants.headerTypeName`). */
  fieldNames: readonly (string | null)[];
  signal: number;
}

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

let tried = false;

/**
 * Installs the parser, once per process. Call before the first connection is opened (a connection picks its parser
 * when its handshake ends).
 */
export function installSignalBodySkip(): void {
  if (tried) return;
  tried = true;
  try {
    const messages = require('dbus-next/lib/message.js') as MessageModule;
    const DBusBuffer = require('dbus-next/lib/dbus-buffer.js') as DBusBufferCtor;
    const [headerFieldsType] = (require('dbus-next/lib/header-signature.json') as [{ child: unknown[] }])[0].child;
    const constants = require('dbus-next/lib/constants.js') as { headerTypeName?: (string | null)[]; MessageType?: { SIGNAL?: number } };
    const fieldNames = constants.headerTypeName;
    const signal = constants.MessageType?.SIGNAL;
    if (typeof messages.unmarshalMessages !== 'function' || typeof DBusBuffer !== 'function' || headerFieldsType === undefined) return;
    if (!Array.isArray(fieldNames) || typeof signal !== 'number') return;
    const internals: DBusInternals = { DBusBuffer, headerFieldsType, fieldNames, signal };
    messages.unmarshalMessages = (stream, onMessage, opts) => parseMessages(stream, onMessage, opts, internals);
  } catch {
    // dbus-next's own parser stays.
  }
}

/** Reads whole messages off `stream` as they arrive: the 16-byte fixed header, then the header fields and body.
 * A `PropertiesChanged` signal's body (systemd's property changes; the agent reads only the path) is left unread. */
function parseMessages(stream: Readable, onMessage: OnMessage, opts: unknown, { DBusBuffer, headerFieldsType, fieldNames, signal }: DBusInternals): void {
  let fixed: Buffer | undefined;
  stream.on('readable', () => {
    for (;;) {
      if (fixed === undefined) {
        const header = stream.read(16) as Buffer | null;
        if (!header) return;
        fixed = header;
      }
      const header = fixed;
      const little = header[0] === LITTLE_ENDIAN;
      const fieldsLength = little ? header.readUInt32LE(12) : header.readUInt32BE(12);
      const bodyLength = little ? header.readUInt32LE(4) : header.readUInt32BE(4);
      const rest = stream.read(((fieldsLength + 7) & ~7) + bodyLength) as (Buffer & { data?: Buffer; fds?: unknown }) | null;
      if (!rest) return;
      fixed = undefined;
      // A socket with fd passing hands back { data, fds } (dbus-next's usocket transport).
      const bytes = rest.data ?? rest;
      const buffer = new DBusBuffer(bytes, 0, header[0] as number, rest.fds, opts);
      const message: Record<string, unknown> = { serial: little ? header.readUInt32LE(8) : header.readUInt32BE(8), type: header[1], flags: header[2] };
      for (const [code, [, [value]]] of buffer.readArray(headerFieldsType, fieldsLength)) {
        const name = fieldNames[code];
        if (typeof name === 'string') message[name] = value;
      }
      buffer.align(3);
      const propertiesChanged = header[1] === signal && message.member === 'PropertiesChanged' && message.interface === 'org.freedesktop.DBus.Properties';
      if (propertiesChanged) delete message.signature;
      else if (bodyLength > 0 && typeof message.signature === 'string') message.body = buffer.read(message.signature);
      onMessage(message);
    }
  });
}
