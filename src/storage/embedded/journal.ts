import { close, fdatasync, fsync, open, write } from 'node:fs';
import { promisify } from 'node:util';

const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const fsyncAsync = promisify(fsync);
const openAsync = promisify(open);
const closeAsync = promisify(close);

export interface JournalCounters {
  records: number;
  flushes: number;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** fsync of a directory, so that a created or renamed entry survives a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const fd = await openAsync(dir, 'r');
  try {
    await fsyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
}

/**
 * An append-only journal file with GROUP COMMIT: lines appended while a write+fsync is in flight
 * wait for the next one and share it, so throughput grows with concurrency instead of being
 * capped at one fsync per write. `append` resolves once the line is on stable storage.
 *
 * After an I/O error the journal refuses everything (and reports through `onFailure`): a write
 * that may not be durable must never be acknowledged, and neither may any write after it.
 */
export class Journal {
  private pending: Buffer[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Bytes appended so far (including those not yet flushed), for the compaction threshold. */
  appendedBytes = 0;

  constructor(
    private readonly fd: number,
    /** Flushing waits for the previous journal (switched away from by compaction) to drain. */
    private previous: Journal | undefined,
    /** Directories to fsync before the first flush (so that a just-created file is found after a crash). */
    private dirsToSync: string[],
    private readonly onFailure: (error: Error) => void,
    /** Shared counters (group commit is visible as fewer flushes than records). */
    private readonly counters: JournalCounters = { records: 0, flushes: 0 },
  ) {}

  append(line: string | Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    this.pending.push(typeof line === 'string' ? Buffer.from(line, 'utf8') : line);
    this.appendedBytes += line.length;
    this.counters.records++;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    // start on the next turn, so that every write of the current one joins the first batch
    if (!this.flushing) this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flushLoop());
    return done;
  }

  /** Resolves when every appended line is durable; rejects if the journal failed. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  private async flushLoop(): Promise<void> {
    try {
      if (this.previous) await this.previous.drain();
      this.previous = undefined;
      for (const dir of this.dirsToSync) await syncDirectory(dir);
      this.dirsToSync = [];
      while (this.pending.length > 0) {
        const lines = this.pending;
        const waiters = this.waiters;
        this.pending = [];
        this.waiters = [];
        try {
          await this.writeAll(lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines));
          await datasyncAsync(this.fd);
          this.counters.flushes++;
        } catch (error) {
          this.waiters = [...waiters, ...this.waiters];
          throw error;
        }
        for (const w of waiters) w.resolve();
      }
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    } finally {
      this.flushing = undefined;
    }
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    let written = 0;
    while (written < buffer.length) {
      const { bytesWritten } = await writeAsync(this.fd, buffer, written, buffer.length - written);
      written += bytesWritten;
    }
  }

  private fail(cause: Error): void {
    const error = new Error(`journal write failed, the store stopped acknowledging writes: ${cause.message}`);
    this.failure = error;
    const waiters = this.waiters;
    this.pending = [];
    this.waiters = [];
    for (const w of waiters) w.reject(error);
    this.onFailure(error);
  }

  /** Drains, then closes the file. */
  async close(): Promise<void> {
    try {
      await this.drain();
    } finally {
      await closeAsync(this.fd);
    }
  }
}
