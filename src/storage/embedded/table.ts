import { DuplicateKeyError, type IndexSpec, type StoredDocument } from '../port';
import { defaultIndexName, EqualityIndex, UniqueConstraint } from './indexes';
import type { IndexKey } from './keys';
import { ParsedCache } from './parsed-cache';
import { parseRow, type Row } from './rows';

/** The indexes of a table at one instant, by name, and the keys a document has in each (in that order). */
export interface KeyLayout {
  paths: string[];
  uniques: string[];
  keysOf(doc: StoredDocument): Array<IndexKey[] | string[]>;
}

/**
 * One collection in memory: rows (document JSON, see rows.ts) by `_id` plus its indexes. Rows
 * are immutable: a write replaces the whole row, so snapshots can share them without copying.
 * Parsed forms of recently read rows are kept in the engine's ParsedCache.
 */
export class Table {
  private readonly rows = new Map<string, Row>();
  readonly specs = new Map<string, IndexSpec>();
  private readonly equality = new Map<string, EqualityIndex>();
  readonly unique: UniqueConstraint[] = [];
  /** Documents handed to the filter by reads (tests use it to prove an index was used). */
  examined = 0;

  constructor(
    readonly name: string,
    private readonly parsed: ParsedCache = new ParsedCache(0),
    /** Parsed forms without `idx`, as reads by id ask for them (hot resources are read again and again). */
    private readonly slim: ParsedCache = new ParsedCache(0),
  ) {}

  get size(): number {
    return this.rows.size;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** A private copy of the document `id`, parsed from its row. */
  get(id: string): StoredDocument | undefined {
    const row = this.rows.get(id);
    return row && parseRow(row);
  }

  /**
   * The document `id` for reading only: from the parse caches, or parsed (and cached) now; without
   * `idx` when `withIdx` is false (then it may also come with it). Callers must not mutate what
   * they get: it is shared with the caches.
   */
  peek(id: string, withIdx: boolean): StoredDocument | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    const cached = this.parsed.get(row);
    if (cached) return cached;
    if (!withIdx && row.idxAt >= 0) {
      const slim = this.slim.get(row);
      if (slim) return slim;
      const doc = parseRow(row, false);
      this.slim.set(row, doc);
      return doc;
    }
    const doc = parseRow(row);
    this.parsed.set(row, doc);
    return doc;
  }

  /**
   * The document `id` for a one-pass reader (an export scan): from the caches when it is there,
   * else parsed WITHOUT caching it, so a pass over a whole collection neither evicts the documents
   * other clients keep reading nor leaves the caches full of what it will never read again.
   */
  peekOnce(id: string, withIdx: boolean): StoredDocument | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    return this.parsed.get(row) ?? (withIdx ? undefined : this.slim.get(row)) ?? parseRow(row, withIdx);
  }

  /** The rows, for snapshots (immutable, safe to hold while writes go on). */
  allRows(): Array<[string, Row]> {
    return [...this.rows];
  }

  /** Parses a row for a reader that keeps nothing (from the cache when it is there). */
  parseForKeys(row: Row): StoredDocument {
    return this.parsed.get(row) ?? parseRow(row);
  }

  /** The index layout now: snapshots record each document's keys in it, so loading needs no parse. */
  keyLayout(): KeyLayout {
    const equality = [...this.equality.values()];
    const unique = [...this.unique];
    return {
      paths: equality.map((index) => index.path),
      uniques: unique.map((constraint) => constraint.name),
      keysOf: (doc) => [...equality.map((index) => index.keysOf(doc)), ...unique.map((constraint) => constraint.keysOf(doc))],
    };
  }

  /** True when this table has exactly the indexes of `layout` (then putWithKeys may be used). */
  hasLayout(layout: Pick<KeyLayout, 'paths' | 'uniques'>): boolean {
    const same = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
    return same(layout.paths, [...this.equality.keys()]) && same(layout.uniques, this.unique.map((c) => c.name));
  }

  /** Loading a snapshot: stores a new row under the keys recorded for it in `layout` (checked by hasLayout). */
  putWithKeys(id: string, row: Row, layout: Pick<KeyLayout, 'paths' | 'uniques'>, keys: unknown[][]): void {
    this.forget(id);
    this.rows.set(id, row);
    layout.paths.forEach((path, i) => this.equality.get(path)?.addKeys(id, (keys[i] ?? []) as IndexKey[]));
    layout.uniques.forEach((name, j) => this.unique.find((c) => c.name === name)?.addKeys(id, (keys[layout.paths.length + j] ?? []) as string[]));
  }

  ids(): IterableIterator<string> {
    return this.rows.keys();
  }

  /** Parsed copies of every document, for (re)building an index. */
  private *parsedDocs(): Iterable<StoredDocument> {
    for (const row of this.rows.values()) yield parseRow(row);
  }

  /** The equality index whose leading path is `path`, if any. */
  indexOn(path: string): EqualityIndex | undefined {
    return this.equality.get(path);
  }

  /** Adds an index and returns its stored spec; undefined when it exists already (a no-op). */
  addIndex(spec: IndexSpec): IndexSpec | undefined {
    const name = spec.name ?? defaultIndexName(spec.keys);
    const fields = Object.keys(spec.keys);
    const sameKeys = (other: IndexSpec) => JSON.stringify(other.keys) === JSON.stringify(spec.keys);
    const existing = this.specs.get(name);
    if (existing) {
      if (sameKeys(existing) && !!existing.unique === !!spec.unique) return undefined;
      // A changed declaration under the same name replaces the index (start-up migration, as on MongoDB).
      this.dropIndex(name);
    }
    for (const other of this.specs.values()) if (sameKeys(other) && !!other.unique === !!spec.unique) return undefined;
    if (fields.length === 0) throw new Error(`${this.name}: an index needs at least one key`);
    if (spec.unique) {
      const constraint = new UniqueConstraint(name, fields);
      for (const doc of this.parsedDocs()) {
        const owner = constraint.ownerOtherThan(doc);
        if (owner !== undefined) throw new DuplicateKeyError(`${this.name}: cannot build unique index ${name}: ${doc._id} and ${owner} share a key`);
        constraint.add(doc);
      }
      this.unique.push(constraint);
    }
    const leading = fields[0] as string;
    if (leading !== '_id' && !this.equality.has(leading)) {
      const index = new EqualityIndex(leading);
      for (const doc of this.parsedDocs()) index.add(doc);
      this.equality.set(leading, index);
    }
    const stored: IndexSpec = { ...spec, name };
    this.specs.set(name, stored);
    return stored;
  }

  /** Removes the index `name` (its unique constraint; equality maps are kept while another spec leads with the path). */
  dropIndex(name: string): void {
    const spec = this.specs.get(name);
    if (!spec) return;
    this.specs.delete(name);
    const at = this.unique.findIndex((c) => c.name === name);
    if (at >= 0) this.unique.splice(at, 1);
    const leading = Object.keys(spec.keys)[0] as string;
    if (![...this.specs.values()].some((other) => Object.keys(other.keys)[0] === leading)) this.equality.delete(leading);
  }

  /** Name of a unique index `doc` would violate, ignoring owners for which `ignore` is true. */
  uniqueConflict(doc: StoredDocument, ignore?: (id: string) => boolean): string | undefined {
    for (const constraint of this.unique) {
      for (const key of constraint.keysOf(doc)) {
        const owner = constraint.ownerOf(key);
        if (owner !== undefined && owner !== doc._id && !ignore?.(owner)) return constraint.name;
      }
    }
    return undefined;
  }

  /** Stores `row`, whose parsed form is `doc` (used for the index keys, not kept). */
  put(doc: StoredDocument, row: Row): void {
    this.forget(doc._id);
    this.rows.set(doc._id, row);
    for (const index of this.equality.values()) index.add(doc);
    for (const constraint of this.unique) constraint.add(doc);
  }

  remove(id: string): void {
    if (!this.rows.has(id)) return;
    this.forget(id);
    this.rows.delete(id);
  }

  /** Takes the current row of `id` out of the indexes (parsing it only when there are indexes) and the parse cache. */
  private forget(id: string): void {
    const row = this.rows.get(id);
    if (!row) return;
    if (this.equality.size > 0 || this.unique.length > 0) this.unindex(this.parsed.get(row) ?? parseRow(row));
    this.parsed.forget(row);
    this.slim.forget(row);
  }

  private unindex(doc: StoredDocument): void {
    for (const index of this.equality.values()) index.remove(doc);
    for (const constraint of this.unique) constraint.remove(doc);
  }

  /** A collection exists once it holds a document or an index was created on it. */
  get exists(): boolean {
    return this.rows.size > 0 || this.specs.size > 0;
  }
}
