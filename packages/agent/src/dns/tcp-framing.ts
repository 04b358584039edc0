/**
 * DNS over TCP frames each message with a two-byte length (RFC 1035 4.2.2, RFC 7766). Pure: bytes received so far
 * in, whole messages and the incomplete rest out.
 */
export const MAX_TCP_BUFFER = 64 * 1024 + 2;

export function splitFrames(buffer: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const length = buffer.readUInt16BE(offset);
    if (buffer.length - offset - 2 < length) break;
    messages.push(buffer.subarray(offset + 2, offset + 2 + length));
    offset += 2 + length;
  }
  return { messages, rest: buffer.subarray(offset) };
}

export function frame(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}
