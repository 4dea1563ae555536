import type { AuditEvent } from 'fhir/r4';
import { newResourceId } from '../fhir/repository/ids';
import type { ResourceDocument } from '../fhir/resource-document';
import { indexResource } from '../fhir/search/api';
import { dateRange } from '../fhir/search/dates';
import type { DocumentStore } from '../storage/port';

export const AUDIT_TYPE = 'AuditEvent';

interface Waiting {
  docs: ResourceDocument[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Diagnostics: how well group commit groups (records per store transaction). */
export interface WriterStats {
  records: number;
  commits: number;
}

/**
 * GROUP COMMIT of audit records: the records of requests that arrive while a commit is running
 * wait for the next one, which writes them all in ONE store transaction (one journal record and
 * fsync on the embedded engine, one multi-document transaction on MongoDB). `write` resolves once
 * its records are durable: the HTTP layer releases the answer only then, so an acknowledged
 * request's record survives a crash, at the price of one shared commit instead of one each.
 */
export class AuditWriter {
  private queue: Waiting[] = [];
  private running = false;
  readonly stats: WriterStats = { records: 0, commits: 0 };

  constructor(
    private readonly store: DocumentStore,
    /** Records per transaction at most; a longer queue is written in several. */
    private readonly maxBatch = 2000,
  ) {}

  write(events: AuditEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const docs = events.map(documentOf);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ docs, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        const docs = batch.flatMap((w) => w.docs);
        try {
          await this.commit(docs);
          this.stats.records += docs.length;
          this.stats.commits += 1;
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.running = false;
    }
  }

  /** The waiting requests whose records fit one transaction (always at least one request). */
  private take(): Waiting[] {
    let count = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || count + (this.queue[n] as Waiting).docs.length <= this.maxBatch)) {
      count += (this.queue[n] as Waiting).docs.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  /**
   * Current documents only: a record never changes, so it has no history to keep, and leaving
   * `AuditEvent_history` empty keeps the trail out of `_history` listings (which it would flood).
   */
  private commit(docs: ResourceDocument[]): Promise<void> {
    const current = this.store.collection<ResourceDocument>(AUDIT_TYPE);
    return this.store.withTransaction(async (session) => {
      for (const doc of docs) await current.insertOne(doc, { session });
    });
  }
}

/** The stored document of a new AuditEvent: version 1, indexed like any resource (searchable as such). */
export function documentOf(event: AuditEvent): ResourceDocument {
  const id = newResourceId();
  const lastUpdated = event.recorded;
  const { resourceType, ...rest } = event;
  const resource = { resourceType, id, meta: { versionId: '1', lastUpdated }, ...rest } as AuditEvent;
  const { idx, compartments } = indexOfRecord(resource);
  return { _id: id, versionId: 1, lastUpdated, lastUpdatedMs: Date.parse(lastUpdated), deleted: false, resource, idx, compartments };
}

/**
 * Index entries of a record, memoised by what it says apart from when (and its id/meta, which no
 * indexed parameter reads): the records of one client reading the same resource again differ only
 * in `recorded`, and evaluating AuditEvent's 25 search parameters was the largest cost of a record.
 * On a hit only the date entries are computed, from `recorded`.
 * test/audit/index-memo.test.ts checks the result equals a full indexing.
 */
const MEMO_LIMIT = 1000;
const memo = new Map<string, Pick<ResourceDocument, 'idx' | 'compartments'>>();

function indexOfRecord(resource: AuditEvent): Pick<ResourceDocument, 'idx' | 'compartments'> {
  const { recorded, id, meta, ...what } = resource;
  void id; // neither id nor meta is read by an indexed parameter (_id and _lastUpdated live on the document)
  void meta;
  const key = JSON.stringify(what);
  const known = memo.get(key);
  if (!known) {
    const indexed = indexResource(resource);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(key, indexed);
    return indexed;
  }
  // `date` is AuditEvent.recorded, an instant: the index holds its range and sorts by its start
  const range = dateRange(recorded);
  if (!range) return indexResource(resource);
  return { idx: { ...known.idx, date: [range], 'date:sort': range.lo }, compartments: known.compartments };
}
