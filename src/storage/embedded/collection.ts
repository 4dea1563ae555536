import type {
  DocumentCollection,
  Filter,
  FindOptions,
  IndexSpec,
  ReplaceOptions,
  ReplaceResult,
  StoredDocument,
  WriteOptions,
} from '../port';
import { cloneJson } from './clone';
import type { Engine } from './engine';
import { planFilter } from './planner';
import { count, match, project } from './query';
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
