import type { StoredDocument } from '../port';
import { compoundKeys, keysAt, type IndexKey } from './keys';

/** MongoDB's default index name: `field_1_other_-1`. */
export function defaultIndexName(keys: Record<string, 1 | -1>): string {
  return Object.entries(keys)
    .map(([field, dir]) => `${field}_${dir}`)
    .join('_');
}

export const splitPath = (path: string): string[] => path.split('.');

/**
 * Equality index on one dotted path (the leading field of one or more index specs):
 * key → ids of the documents holding that key (multikey: one entry per array element).
 */
export class EqualityIndex {
  private readonly entries = new Map<IndexKey, Set<string>>();
  private readonly segments: string[];

  constructor(readonly path: string) {
    this.segments = splitPath(path);
  }

  add(doc: StoredDocument): void {
    for (const key of keysAt(doc, this.segments)) {
      if (key === null) continue;
      let ids = this.entries.get(key);
      if (!ids) this.entries.set(key, (ids = new Set()));
      ids.add(doc._id);
    }
  }

  remove(doc: StoredDocument): void {
    for (const key of keysAt(doc, this.segments)) {
      const ids = this.entries.get(key);
      if (!ids) continue;
      ids.delete(doc._id);
      if (ids.size === 0) this.entries.delete(key);
    }
  }

  /** How many ids the keys hold (an upper bound of the candidates). */
  estimate(keys: readonly IndexKey[]): number {
    let n = 0;
    for (const key of keys) n += this.entries.get(key)?.size ?? 0;
    return n;
  }

  *ids(keys: readonly IndexKey[]): Iterable<string> {
    if (keys.length === 1) {
      const only = this.entries.get(keys[0] as IndexKey);
      if (only) yield* only;
      return;
    }
    const seen = new Set<string>();
    for (const key of keys) {
      for (const id of this.entries.get(key) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        yield id;
      }
    }
  }
}

/** A unique index: every key tuple belongs to one document at most (missing fields are `null`). */
export class UniqueConstraint {
  private readonly owners = new Map<string, string>();
  private readonly paths: string[][];

  constructor(readonly name: string, fields: string[]) {
    this.paths = fields.map(splitPath);
  }

  keysOf(doc: unknown): string[] {
    return compoundKeys(doc, this.paths);
  }

  /** The id of another document already owning one of `doc`'s keys, if any. */
  ownerOtherThan(doc: StoredDocument, keys = this.keysOf(doc)): string | undefined {
    for (const key of keys) {
      const owner = this.owners.get(key);
      if (owner !== undefined && owner !== doc._id) return owner;
    }
    return undefined;
  }

  ownerOf(key: string): string | undefined {
    return this.owners.get(key);
  }

  add(doc: StoredDocument): void {
    for (const key of this.keysOf(doc)) this.owners.set(key, doc._id);
  }

  remove(doc: StoredDocument): void {
    for (const key of this.keysOf(doc)) if (this.owners.get(key) === doc._id) this.owners.delete(key);
  }
}
