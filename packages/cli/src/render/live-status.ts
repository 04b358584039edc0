/**
 * The one live status line on a terminal: rewritten in place (`\r` + erase line), cleared before any other
 * line is printed so normal output never mixes with it. When the stream is not a TTY it prints nothing, so
 * pipes and scripts see fleetctl's plain lines only.
 */
export class LiveStatus {
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WritableStream,
    private readonly isTty: boolean,
  ) {}

  show(text: string): void {
    if (!this.isTty) return;
    if (text === '') return this.clear();
    this.stream.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
