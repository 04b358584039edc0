/**
 * Progress lines written together: a start of 300 units prints 600 lines, and one write(2) each cost ~45 ms of
 * the command's CPU. Lines queued in one turn of the event loop go out in one write per stream, in order (a
 * run of stdout lines, then the stderr line after them); `flush` writes what is queued now, before anything
 * written around the buffer (a status line, the result, an error).
 */
export class LineBuffer {
  private chunks: { stream: NodeJS.WritableStream; text: string }[] = [];
  private scheduled = false;

  write(stream: NodeJS.WritableStream, text: string): void {
    const last = this.chunks.at(-1);
    if (last?.stream === stream) last.text += text;
    else this.chunks.push({ stream, text });
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  flush(): void {
    this.scheduled = false;
    const chunks = this.chunks;
    this.chunks = [];
    for (const { stream, text } of chunks) stream.write(text);
  }
}
