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
 * The ids under one key. Most keys of a FHIR index belong to one document (identifiers, names,
 * references of a single resource), so a lone id is kept as the string itself and a few as a
 * small array; only keys shared by many documents get a Set. (A Set per key cost ~100 bytes per
 * key before it held anything.)
 */
type Bucket = string | string[] | Set<string>;
const SMALL_BUCKET = 16;

function bucketAdd(bucket: Bucket | undefined, id: string): Bucket {
  if (bucket === undefined) return id;
  if (typeof bucket === 'string') return bucket === id ? bucket : [bucket, id];
  if (Array.isArray(bucket)) {
    if (bucket.includes(id)) return bucket;
    if (bucket.length < SMALL_BUCKET) {
      bucket.push(id);
      return bucket;
    }
    return new Set([...bucket, id]);
  }
  return bucket.add(id);
}

function bucketRemove(bucket: Bucket, id: string): Bucket | undefined {
  if (typeof bucket === 'string') return bucket === id ? undefined : bucket;
  if (Array.isArray(bucket)) {
    const at = bucket.indexOf(id);
    if (at >= 0) bucket.splice(at, 1);
    return bucket.length === 0 ? undefined : bucket.length === 1 ? (bucket[0] as string) : bucket;
  }
  bucket.delete(id);
  return bucket.size === 0 ? undefined : bucket;
}

const bucketSize = (bucket: Bucket | undefined): number =>
  bucket === undefined ? 0 : typeof bucket === 'string' ? 1 : Array.isArray(bucket) ? bucket.length : bucket.size;

function* bucketIds(bucket: Bucket | undefined): Iterable<string> {
  if (bucket === undefined) return;
  if (typeof bucket === 'string') yield bucket;
  else yield* bucket;
}

/**
 * Equality index on one dotted path (the leading field of one or more index specs):
 * key → ids of the documents holding that key (multikey: one entry per array element).
 */
export class EqualityIndex {
  private readonly entries = new Map<IndexKey, Bucket>();
  private readonly segments: string[];

  constructor(readonly path: string) {
    this.segments = splitPath(path);
  }

  keysOf(doc: StoredDocument): IndexKey[] {
    return keysAt(doc, this.segments);
  }

  add(doc: StoredDocument): void {
    this.addKeys(doc._id, this.keysOf(doc));
  }

  /** Adds `id` under keys computed earlier (a snapshot records them, so loading need not parse). */
  addKeys(id: string, keys: readonly IndexKey[]): void {
    for (const key of keys) {
      if (key === null) continue;
      this.entries.set(key, bucketAdd(this.entries.get(key), id));
    }
  }

  remove(doc: StoredDocument): void {
    for (const key of keysAt(doc, this.segments)) {
      const bucket = this.entries.get(key);
      if (bucket === undefined) continue;
      const left = bucketRemove(bucket, doc._id);
      if (left === undefined) this.entries.delete(key);
      else if (left !== bucket) this.entries.set(key, left);
    }
  }

  /** How many ids the keys hold (an upper bound of the candidates). */
  estimate(keys: readonly IndexKey[]): number {
    let n = 0;
    for (const key of keys) n += bucketSize(this.entries.get(key));
    return n;
  }

  *ids(keys: readonly IndexKey[]): Iterable<string> {
    if (keys.length === 1) {
      yield* bucketIds(this.entries.get(keys[0] as IndexKey));
      return;
    }
    const seen = new Set<string>();
    for (const key of keys) {
      for (const id of bucketIds(this.entries.get(key))) {
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
    this.addKeys(doc._id, this.keysOf(doc));
  }

  addKeys(id: string, keys: readonly string[]): void {
    for (const key of keys) this.owners.set(key, id);
  }

  remove(doc: StoredDocument): void {
    for (const key of this.keysOf(doc)) if (this.owners.get(key) === doc._id) this.owners.delete(key);
  }
}
