import { DuplicateKeyError, type IndexSpec, type StoredDocument } from '../port';
import { defaultIndexName, EqualityIndex, UniqueConstraint } from './indexes';

/**
 * One collection in memory: documents by `_id` plus its indexes. Documents held here are never
 * mutated: a write replaces the whole document, so they can be shared with snapshots and
 * candidate lists without copying.
 */
export class Table {
  readonly docs = new Map<string, StoredDocument>();
  readonly specs = new Map<string, IndexSpec>();
  private readonly equality = new Map<string, EqualityIndex>();
  readonly unique: UniqueConstraint[] = [];
  /** Documents handed to the filter by reads (tests use it to prove an index was used). */
  examined = 0;

  constructor(readonly name: string) {}

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
      for (const doc of this.docs.values()) {
        const owner = constraint.ownerOtherThan(doc);
        if (owner !== undefined) throw new DuplicateKeyError(`${this.name}: cannot build unique index ${name}: ${doc._id} and ${owner} share a key`);
        constraint.add(doc);
      }
      this.unique.push(constraint);
    }
    const leading = fields[0] as string;
    if (leading !== '_id' && !this.equality.has(leading)) {
      const index = new EqualityIndex(leading);
      for (const doc of this.docs.values()) index.add(doc);
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

  put(doc: StoredDocument): void {
    const old = this.docs.get(doc._id);
    if (old) this.unindex(old);
    this.docs.set(doc._id, doc);
    for (const index of this.equality.values()) index.add(doc);
    for (const constraint of this.unique) constraint.add(doc);
  }

  remove(id: string): void {
    const old = this.docs.get(id);
    if (!old) return;
    this.unindex(old);
    this.docs.delete(id);
  }

  private unindex(doc: StoredDocument): void {
    for (const index of this.equality.values()) index.remove(doc);
    for (const constraint of this.unique) constraint.remove(doc);
  }

  /** A collection exists once it holds a document or an index was created on it. */
  get exists(): boolean {
    return this.docs.size > 0 || this.specs.size > 0;
  }
}
