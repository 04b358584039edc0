/**
 * What `image push` prints while it works. On a terminal one line per blob that is redrawn as bytes go (at most
 * every 100 ms); otherwise (a pipe, CI) plain lines when a blob starts and ends, so logs stay readable.
 */
import type { PushEvent } from './push.js';

const MB = 1024 * 1024;
const mb = (n: number) => `${(n / MB).toFixed(1)} MB`;
const short = (digest: string) => digest.slice(0, 19);

export function describeBlob(e: Extract<PushEvent, { kind: 'blob' }>): string {
  return `${e.what} ${e.index + 1}/${e.count} ${short(e.digest)} (${mb(e.size)})`;
}

/** Plain lines for a pipe: one when a blob starts, one when it is done or already there. */
export function plainLine(e: PushEvent): string | undefined {
  if (e.kind === 'saving') return `saving ${e.image} from ${e.engine}\n`;
  if (e.state === 'exists') return `${describeBlob(e)}: already in the registry\n`;
  if (e.state === 'pushed') return `${describeBlob(e)}: pushed\n`;
  return e.sent === 0 ? `${describeBlob(e)}: pushing\n` : undefined;
}

export function progressPrinter(write: (text: string) => void, tty: boolean, now: () => number = Date.now): (e: PushEvent) => void {
  if (!tty) {
    return (e) => {
      const line = plainLine(e);
      if (line) write(line);
    };
  }
  let last = 0;
  return (e) => {
    if (e.kind === 'saving') return write(`saving ${e.image} from ${e.engine}\n`);
    if (e.state === 'pushing') {
      if (e.sent !== 0 && now() - last < 100) return;
      last = now();
      const pct = e.size === 0 ? 100 : Math.floor((e.sent / e.size) * 100);
      return write(`\r\x1b[K${describeBlob(e)}: ${mb(e.sent)} ${pct}%`);
    }
    write(`\r\x1b[K${describeBlob(e)}: ${e.state === 'exists' ? 'already in the registry' : 'pushed'}\n`);
  };
}
