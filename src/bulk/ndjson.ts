import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Resource } from 'fhir/r4';
import { applyElements } from '../fhir/search/summary';
import type { ResourceDocument } from '../fhir/resource-document';
import type { DocumentStore, Filter } from '../storage/port';

export const NDJSON = 'application/fhir+ndjson';

/** Where one file of one type stands while it is written. */
export interface FileCursor {
  /** The last `_id` written (keyset paging continues after it). */
  lastId?: string;
  count: number;
  /** True when the type has no more resources after `lastId`. */
  typeDone: boolean;
}

export interface FileSource {
  store: DocumentStore;
  type: string;
  filter: Filter;
  /** Most resources in the file. */
  max: number;
  pageSize: number;
  elements?: string[];
  /** Called between chunks (lease renewal, cancellation); throws to stop the export. */
  between: () => Promise<void>;
}

/**
 * One NDJSON file as a stream: pages of `pageSize` resources in `_id` order (keyset paging, each
 * page one indexed query), one resource per line. Memory holds one page; the event loop is
 * given back between pages so that concurrent requests stay fast.
 */
export function ndjsonFile(source: FileSource, cursor: FileCursor): Readable {
  return Readable.from(lines(source, cursor), { objectMode: false });
}

async function* lines(source: FileSource, cursor: FileCursor): AsyncGenerator<Buffer> {
  const collection = source.store.collection<ResourceDocument>(source.type);
  while (cursor.count < source.max) {
    const limit = Math.min(source.pageSize, source.max - cursor.count);
    const docs = await collection.find(
      // `_id > ''` matches every document: it lets the `_id` index serve the first page as well
      { $and: [source.filter, { _id: { $gt: cursor.lastId ?? '' } }] },
      { sort: { _id: 1 }, limit, projection: { idx: 0, compartments: 0 } },
    );
    if (docs.length === 0) {
      cursor.typeDone = true;
      return;
    }
    let chunk = '';
    for (const doc of docs) {
      const resource = source.elements ? applyElements(doc.resource as Resource, source.elements) : doc.resource;
      chunk += `${JSON.stringify(resource)}\n`;
    }
    cursor.count += docs.length;
    cursor.lastId = (docs[docs.length - 1] as ResourceDocument)._id;
    yield Buffer.from(chunk, 'utf8');
    if (docs.length < limit) {
      cursor.typeDone = true;
      return;
    }
    await source.between();
    await yieldToEventLoop();
  }
}

/** An NDJSON file of OperationOutcomes (the manifest's `error` files). */
export function outcomeLines(outcomes: Resource[]): Readable {
  return Readable.from([Buffer.from(outcomes.map((o) => `${JSON.stringify(o)}\n`).join(''), 'utf8')]);
}
