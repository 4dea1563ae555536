import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync, openSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import type { IndexSpec, StoredDocument, StoreLogger, TxSession } from '../port';
import { dbDir, journalFile, lockFile, snapshotFile } from './files';
import { Journal, syncDirectory, type JournalCounters } from './journal';
import { encodeLineBytes } from './lines';
import { acquireLock } from './lock';
import { Mutex } from './mutex';
import type { Overlay } from './query';
import { deleteOp, indexOp, putOp, recordJson } from './records';
import { ParsedCache } from './parsed-cache';
import { recover, type RecoveryTarget } from './recovery';
import { rowOf } from './rows';
import { writeSnapshot, type CollectionImage } from './snapshot';
import { Table } from './table';
import { Transaction } from './transaction';
import type { Incoming, WriteTarget } from './writes';

export interface EngineOptions {
  dataDir: string;
  /** Compact (snapshot + fresh journal) once the journal grows past this size. Default 64 MiB. */
  compactAfterBytes?: number;
  /** JSON bytes of recently evaluated documents kept parsed (see parsed-cache.ts; half as much again for reads without `idx`). Default 16 MiB. */
  parsedCacheBytes?: number;
  logger?: StoreLogger;
}

/** A plain write: applied to the tables at once, its ops journaled as one record. */
class DirectTarget implements WriteTarget {
  readonly ops: string[] = [];
  constructor(readonly table: (collection: string) => Table) {}
  overlay(): undefined {
    return undefined;
  }
  uniqueConflict(collection: string, doc: StoredDocument): string | undefined {
    return this.table(collection).uniqueConflict(doc);
  }
  put(collection: string, entry: Incoming): void {
    this.table(collection).put(entry.doc, entry.row);
    this.ops.push(putOp(collection, entry.json));
  }
  remove(collection: string, id: string): void {
    this.table(collection).remove(id);
    this.ops.push(deleteOp(collection, id));
  }
}

const silent: StoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The embedded engine: tables in memory, every acknowledged write in the journal.
 * Writers are serialised by one mutex (held by a transaction for its whole duration); a write
 * is applied to memory and appended to the journal while holding it — so the journal order is
 * the apply order — and awaits its fsync after releasing it, so concurrent writes share fsyncs.
 */
export class Engine {
  private readonly tables = new Map<string, Table>();
  private readonly mutex = new Mutex();
  private readonly running = new AsyncLocalStorage<Transaction>();
  private readonly sessions = new WeakMap<TxSession, Transaction>();
  private readonly dir: string;
  private readonly logger: StoreLogger;
  private readonly compactAfterBytes: number;
  private readonly parsed: ParsedCache;
  private readonly slim: ParsedCache;
  private journal!: Journal;
  private gen = 0;
  private failure: Error | undefined;
  private compacting: Promise<void> | undefined;
  private closed = false;
  private releaseLock: () => void = () => undefined;
  /** Journal records appended and fsyncs done since open. */
  readonly counters: JournalCounters = { records: 0, flushes: 0 };

  private constructor(options: EngineOptions) {
    this.dir = dbDir(options.dataDir);
    this.logger = options.logger ?? silent;
    this.compactAfterBytes = options.compactAfterBytes ?? 64 * 1024 * 1024;
    this.parsed = new ParsedCache(options.parsedCacheBytes ?? 16 * 1024 * 1024);
    this.slim = new ParsedCache((options.parsedCacheBytes ?? 16 * 1024 * 1024) / 2);
  }

  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    mkdirSync(engine.dir, { recursive: true });
    engine.releaseLock = acquireLock(lockFile(options.dataDir));
    try {
      const recovered = await recover(engine.dir, engine.replayTarget());
      for (const note of recovered.notes) engine.logger.warn(`embedded store: ${note}`);
      engine.gen = Math.max(recovered.snapshotGen, ...recovered.journalGens);
      engine.journal = engine.newJournal(engine.gen, undefined);
      // writes go on appending to the newest journal: it counts towards the next compaction,
      // which runs in the background (start-up replays the tail and does not wait for a rewrite)
      engine.journal.appendedBytes = recovered.lastJournalBytes;
      if (recovered.lastJournalBytes > engine.compactAfterBytes) {
        engine.compact().catch((error: Error) => engine.logger.error(`embedded store: compaction failed (the journal keeps the data): ${error.message}`));
      }
      return engine;
    } catch (error) {
      engine.releaseLock();
      throw error;
    }
  }

  table(name: string): Table {
    let table = this.tables.get(name);
    if (!table) this.tables.set(name, (table = new Table(name, this.parsed, this.slim)));
    return table;
  }

  existingTables(): Table[] {
    return [...this.tables.values()].filter((t) => t.exists);
  }

  assertUsable(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('the embedded store is closed');
  }

  /** The view a read sees: the tables, plus the overlay of the transaction it belongs to. */
  view(collection: string, session: TxSession | undefined): { table: Table; overlay: Overlay | undefined } {
    this.assertUsable();
    const table = this.table(collection);
    return { table, overlay: session ? this.transactionOf(session).overlay(collection) : undefined };
  }

  private transactionOf(session: TxSession): Transaction {
    const tx = this.sessions.get(session);
    if (!tx || !tx.active) throw new Error('the transaction of this session has ended (or belongs to another store)');
    return tx;
  }

  /** Runs a synchronous write against the transaction's overlay or, without a session, the tables. */
  async write<R>(session: TxSession | undefined, apply: (target: WriteTarget) => R): Promise<R> {
    this.assertUsable();
    if (session) return apply(this.transactionOf(session));
    return this.writeDirect(apply);
  }

  private async writeDirect<R>(apply: (target: DirectTarget) => R): Promise<R> {
    // A write without the session from inside a running transaction must not wait for that
    // transaction (it would wait forever): it commits on its own, as it would with MongoDB.
    const bypass = this.running.getStore()?.active === true;
    if (!bypass && !this.mutex.tryLock()) await this.mutex.lock();
    const target = new DirectTarget((c) => this.table(c));
    let durable: Promise<void> = Promise.resolve();
    let result: R;
    try {
      this.assertUsable();
      result = apply(target);
    } finally {
      // journaled inside the lock (journal order = apply order), even if `apply` threw half-way
      durable = this.commitOps(target.ops);
      durable.catch(() => undefined);
      if (!bypass) this.mutex.unlock();
    }
    await durable;
    return result;
  }

  async createIndex(collection: string, spec: IndexSpec): Promise<void> {
    await this.writeDirect((target) => {
      const stored = this.table(collection).addIndex(spec);
      if (stored) target.ops.push(indexOp(collection, stored));
    });
  }

  async withTransaction<R>(work: (session: TxSession) => Promise<R>): Promise<R> {
    this.assertUsable();
    const outer = this.running.getStore();
    if (outer?.active) return work(outer.session); // nested: join the running transaction
    await this.mutex.lock();
    const tx = new Transaction((c) => this.table(c));
    this.sessions.set(tx.session, tx);
    let durable: Promise<void>;
    let result: R;
    try {
      result = await this.running.run(tx, () => work(tx.session));
      this.assertUsable();
      durable = this.commitOps(tx.commit());
    } finally {
      tx.active = false;
      this.mutex.unlock();
    }
    await durable;
    return result;
  }

  /** Appends one record (synchronously queued) and resolves when it is durable. */
  private commitOps(ops: string[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    const durable = this.journal.append(encodeLineBytes(recordJson(ops)));
    if (!this.compacting && this.journal.appendedBytes > this.compactAfterBytes) {
      this.compact().catch((error: Error) => this.logger.error(`embedded store: compaction failed (the journal keeps the data): ${error.message}`));
    }
    return durable;
  }

  private newJournal(gen: number, previous: Journal | undefined): Journal {
    const fd = openSync(journalFile(this.dir, gen), 'a');
    return new Journal(fd, previous, [this.dir, path.dirname(this.dir)], (error) => {
      this.failure ??= error;
      this.logger.error(`embedded store: ${error.message}`);
    }, this.counters);
  }

  /**
   * Starts generation gen+1: new writes go to a fresh journal at once; a snapshot of the state at
   * that instant is written in the background; then the old generation's files are removed.
   */
  compact(): Promise<void> {
    this.compacting ??= this.rollGeneration().finally(() => (this.compacting = undefined));
    return this.compacting;
  }

  private async rollGeneration(): Promise<void> {
    const oldGen = this.gen;
    const old = this.journal;
    this.gen = oldGen + 1;
    this.journal = this.newJournal(this.gen, old);
    const images: CollectionImage[] = this.existingTables().map((t) => ({
      name: t.name,
      specs: [...t.specs.values()],
      rows: t.allRows(),
      layout: t.keyLayout(),
      parse: (row) => t.parseForKeys(row),
    }));
    try {
      await writeSnapshot(snapshotFile(this.dir, this.gen), images);
    } finally {
      await old.close();
    }
    // generation oldGen stays as the fallback should the new snapshot be found damaged; the one before goes
    for (const file of [snapshotFile(this.dir, oldGen - 1), journalFile(this.dir, oldGen - 1)]) {
      await unlink(file).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await syncDirectory(this.dir);
  }

  private replayTarget(): RecoveryTarget {
    return {
      reset: () => this.tables.clear(),
      table: (c) => this.table(c),
      put: (c, doc, row) => this.table(c).put(doc, row ?? rowOf(doc)),
      remove: (c, id) => this.table(c).remove(id),
      addIndex: (c, spec) => void this.table(c).addIndex(spec),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.mutex.lock(); // let a running transaction finish
    try {
      while (this.compacting) await this.compacting.catch(() => undefined);
      await this.journal.close().catch(() => undefined);
    } finally {
      this.mutex.unlock();
      this.releaseLock();
    }
  }

  get generation(): number {
    return this.gen;
  }

  ping(): void {
    this.assertUsable();
  }
}
