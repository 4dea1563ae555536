import type {
  DocumentCollection,
  Filter,
  FindOptions,
  IndexSpec,
  ReplaceOptions,
  ReplaceResult,
  ScanOptions,
  StoredDocument,
  WriteOptions,
} from '../port';
import { setImmediate } from 'node:timers/promises';
import { cloneJson } from './clone';
import type { Engine } from './engine';
import { planFilter } from './planner';
import { count, match, predicate, project, readsIdx } from './query';
import { sortedById } from './sorted-runs';
import { insert, removeMatching, replace, toIncoming } from './writes';

/** What the planner would do with a filter (tests and diagnostics). */
export interface Explain {
  /** Index used to find candidates, or undefined for a full scan. */
  index: string | undefined;
  /** Upper bound of the documents the filter will be evaluated on. */
  candidates: number;
}

/** The fields of an exclusion-only projection of top-level fields (`{ idx: 0 }`), the cheap common case. */
function topLevelExclusion(projection: FindOptions['projection']): Set<string> | undefined {
  if (!projection) return undefined;
  const keys = Object.keys(projection);
  if (keys.length === 0 || keys.some((key) => key === '_id' || key.includes('.') || projection[key] !== 0)) return undefined;
  return new Set(keys);
}

/** A copy of `doc` without the excluded fields. */
function without(doc: StoredDocument, excluded: Set<string>): StoredDocument {
  const out: Record<string, unknown> = {};
  for (const key in doc) if (!excluded.has(key)) out[key] = cloneJson((doc as unknown as Record<string, unknown>)[key]);
  return out as unknown as StoredDocument;
}

/** The port's collection API over the engine; every document handed out is a private copy. */
export class EmbeddedCollection<T extends StoredDocument> implements DocumentCollection<T> {
  constructor(
    readonly name: string,
    private readonly engine: Engine,
  ) {}

  async insertOne(doc: T, options: WriteOptions = {}): Promise<void> {
    const entry = toIncoming(doc);
    await this.engine.write(options.session, (target) => insert(target, this.name, entry));
  }

  async findOne(filter: Filter, options: FindOptions = {}): Promise<T | null> {
    return (await this.find(filter, { ...options, limit: 1 }))[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<T[]> {
    const { table, overlay } = this.engine.view(this.name, options.session);
    const excluded = topLevelExclusion(options.projection);
    const found = match(table, filter, { ...options, withIdx: !excluded?.has('idx') }, overlay);
    if (excluded) return found.map((doc) => without(doc, excluded) as T);
    return project(found, options.projection).map((doc) => cloneJson(doc) as T);
  }

  /**
   * A snapshot of the candidates' ids, sorted by `_id` in short runs; each batch is then parsed from
   * its rows, tested and copied when asked for, so the event loop is held for one batch at a time
   * and memory holds ids, not documents. A document replaced meanwhile is read as it is now (the
   * caller's filter decides whether that version still belongs to its snapshot).
   */
  async *scan(filter: Filter, options: ScanOptions): AsyncGenerator<T[]> {
    const { table } = this.engine.view(this.name, undefined);
    const after = options.after;
    const plan = planFilter(table, filter);
    const ids: StoredDocument[] = [];
    for (const id of plan ? plan.ids() : table.ids()) if (after === undefined || id > after) ids.push({ _id: id });
    const test = predicate(filter);
    const excluded = topLevelExclusion(options.projection);
    const withIdx = !excluded?.has('idx') || readsIdx(filter, undefined);
    const copy = (doc: StoredDocument) => (excluded ? without(doc, excluded) : cloneJson(project([doc], options.projection)[0] as StoredDocument)) as T;
    const size = Math.max(1, options.batchSize);
    let batch: T[] = [];
    let seen = 0;
    for await (const { _id } of sortedById(ids)) {
      const doc = table.peekOnce(_id, withIdx);
      if (doc && test.test(doc)) batch.push(copy(doc));
      // a batch is cut every `size` candidates; a selective filter that matched none of them
      // gives the event loop back itself (the caller yields between the batches it gets)
      if (++seen % size === 0) {
        if (batch.length > 0) yield batch;
        else await setImmediate();
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  async countDocuments(filter: Filter, options: WriteOptions = {}): Promise<number> {
    const { table, overlay } = this.engine.view(this.name, options.session);
    return count(table, filter, overlay);
  }

  async estimatedDocumentCount(): Promise<number> {
    return this.engine.view(this.name, undefined).table.size;
  }

  async replaceOne(filter: Filter, replacement: T, options: ReplaceOptions = {}): Promise<ReplaceResult> {
    const entry = toIncoming(replacement);
    return this.engine.write(options.session, (target) => replace(target, this.name, filter, entry, options.upsert === true));
  }

  async deleteOne(filter: Filter, options: WriteOptions = {}): Promise<number> {
    return this.engine.write(options.session, (target) => removeMatching(target, this.name, filter, 1));
  }

  async deleteMany(filter: Filter, options: WriteOptions = {}): Promise<number> {
    return this.engine.write(options.session, (target) => removeMatching(target, this.name, filter));
  }

  async createIndex(spec: IndexSpec): Promise<void> {
    await this.engine.createIndex(this.name, spec);
  }

  /** Diagnostics: which index a filter would use and how many candidates it yields. */
  explain(filter: Filter): Explain {
    const table = this.engine.table(this.name);
    const plan = planFilter(table, filter);
    return { index: plan?.index, candidates: plan ? plan.estimate : table.size };
  }

  /** Diagnostics: documents evaluated by reads since the store was opened. */
  get examined(): number {
    return this.engine.table(this.name).examined;
  }
}
