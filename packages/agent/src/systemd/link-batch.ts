/**
 * One LinkUnitFiles for a whole group of Loads. systemd takes a list of files in one call, and each call costs
 * the same whatever its length (it rebuilds its lookup paths, and a unit started afterwards that systemd had
 * seen as not-found makes it rebuild its unit-file cache once per change of /run/systemd/system): 100 calls
 * took ~2 s on the testbed, one call for 100 files ~20 ms (docs/benchmarks.md, "bulk-start").
 *
 * The Loads of a group start in one synchronous turn (the executor starts them together), so each takes a
 * ticket then; the batch closes at the end of that turn and links once every ticket holder has its file written
 * (or has given up). If the batched call fails, each file is linked alone, so one bad file fails its own Load
 * only and the others go on (docs/agent.md, "Executor").
 */
export type LinkFiles = (paths: readonly string[]) => Promise<void>;

export interface LinkTicket {
  /** Links `path` with the other tickets of the batch; settles with this file's own outcome. */
  link(path: string): Promise<void>;
  /** This holder will not link (its write failed): the batch stops waiting for it. */
  cancel(): void;
}

interface Waiting {
  path: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

class Batch {
  private pending = 0;
  private closed = false;
  private readonly waiting: Waiting[] = [];

  constructor(private readonly linkFiles: LinkFiles) {}

  ticket(): LinkTicket {
    this.pending++;
    let used = false;
    const settle = (): void => {
      if (used) throw new Error('a link ticket is used once');
      used = true;
      this.pending--;
    };
    return {
      link: (path) => {
        settle();
        const done = new Promise<void>((resolve, reject) => this.waiting.push({ path, resolve, reject }));
        this.maybeRun();
        return done;
      },
      cancel: () => {
        settle();
        this.maybeRun();
      },
    };
  }

  close(): void {
    this.closed = true;
    this.maybeRun();
  }

  private maybeRun(): void {
    if (!this.closed || this.pending > 0 || this.waiting.length === 0) return;
    void this.run(this.waiting.splice(0));
  }

  private async run(batch: Waiting[]): Promise<void> {
    try {
      await this.linkFiles(batch.map((w) => w.path));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length === 1) return batch[0]!.reject(err);
      // Which file failed is not said: each one alone then, in parallel (systemd queues them anyway).
      await Promise.all(batch.map((w) => this.linkFiles([w.path]).then(w.resolve, w.reject)));
    }
  }
}

export class BatchedLinker {
  private open: Batch | undefined;

  constructor(private readonly linkFiles: LinkFiles) {}

  /** Take synchronously, before any await: tickets taken in one turn share one call. */
  ticket(): LinkTicket {
    if (this.open === undefined) {
      const batch = (this.open = new Batch(this.linkFiles));
      // Closed once the current synchronous turn (and the microtasks it queued) is over.
      setImmediate(() => {
        if (this.open === batch) this.open = undefined;
        batch.close();
      });
    }
    return this.open.ticket();
  }
}
