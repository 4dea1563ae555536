import type { ResourceDocument } from '../fhir/resource-document';
import type { DocumentStore, Filter } from '../storage/port';

/** The stored fields an export never needs (search index entries, compartments): not copied. */
const PROJECTION = { idx: 0, compartments: 0 } as const;

/**
 * The resources of one type in `_id` order, handed out in slices of any size: one store cursor
 * (`scan`) for the whole type when the store has it, keyset pages of `find` otherwise. Files cut
 * the stream at their own size; the rest of a batch is kept for the next file.
 */
export class TypeReader {
  private readonly batches: AsyncIterator<ResourceDocument[]>;
  private carry: ResourceDocument[] = [];
  private exhausted = false;

  constructor(store: DocumentStore, type: string, filter: Filter, after: string | undefined, pageSize: number) {
    const collection = store.collection<ResourceDocument>(type);
    const source = collection.scan
      ? collection.scan(filter, { batchSize: pageSize, projection: PROJECTION, ...(after !== undefined ? { after } : {}) })
      : pages(store, type, filter, after, pageSize);
    this.batches = source[Symbol.asyncIterator]();
  }

  /** Up to `max` next resources; empty when the type has no more. */
  async next(max: number): Promise<ResourceDocument[]> {
    while (this.carry.length === 0 && !this.exhausted) {
      const step = await this.batches.next();
      if (step.done) this.exhausted = true;
      else this.carry = step.value;
    }
    const slice = this.carry.slice(0, max);
    this.carry = this.carry.slice(slice.length);
    return slice;
  }

  /** Releases the cursor of a type left unfinished (cancel, stop, failure). */
  async close(): Promise<void> {
    await this.batches.return?.();
  }
}

/** Keyset pages: each one indexed query `{filter, _id > last}` sorted by `_id`. */
async function* pages(store: DocumentStore, type: string, filter: Filter, after: string | undefined, pageSize: number): AsyncGenerator<ResourceDocument[]> {
  const collection = store.collection<ResourceDocument>(type);
  let last = after;
  for (;;) {
    const docs = await collection.find(
      // `_id > ''` matches every document: it lets the `_id` index serve the first page as well
      { $and: [filter, { _id: { $gt: last ?? '' } }] },
      { sort: { _id: 1 }, limit: pageSize, projection: PROJECTION },
    );
    if (docs.length > 0) yield docs;
    if (docs.length < pageSize) return;
    last = (docs[docs.length - 1] as ResourceDocument)._id;
  }
}
