import { Readable } from 'node:stream';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Resource } from 'fhir/r4';
import { applyElements } from '../fhir/search/summary';
import type { ResourceDocument } from '../fhir/resource-document';
import type { TypeReader } from './reader';

export const NDJSON = 'application/fhir+ndjson';

/** Where one file of one type stands while it is written. */
export interface FileCursor {
  /** The last `_id` written (a resumed job continues after it). */
  lastId?: string;
  count: number;
  /** True when the type has no more resources after `lastId`. */
  typeDone: boolean;
}

export interface FileSource {
  reader: TypeReader;
  /** Most resources in the file. */
  max: number;
  /** Resources per chunk: the event loop is given back between chunks. */
  chunk: number;
  elements?: string[];
  /** Called between chunks (lease renewal, stop); throws to end the export. */
  between: () => Promise<void>;
}

/**
 * One NDJSON file as a stream, one resource per line, pulled chunk by chunk from the type's
 * reader: memory holds one chunk, and the event loop is given back between chunks so that
 * concurrent requests stay fast.
 */
export function ndjsonFile(source: FileSource, cursor: FileCursor): Readable {
  return Readable.from(lines(source, cursor), { objectMode: false });
}

async function* lines(source: FileSource, cursor: FileCursor): AsyncGenerator<Buffer> {
  while (cursor.count < source.max) {
    const docs = await source.reader.next(Math.min(source.chunk, source.max - cursor.count));
    if (docs.length === 0) {
      cursor.typeDone = true;
      return;
    }
    let text = '';
    for (const doc of docs) {
      const resource = source.elements ? applyElements(doc.resource as Resource, source.elements) : doc.resource;
      text += `${JSON.stringify(resource)}\n`;
    }
    cursor.count += docs.length;
    cursor.lastId = (docs[docs.length - 1] as ResourceDocument)._id;
    yield Buffer.from(text, 'utf8');
    await source.between();
    await yieldToEventLoop();
  }
}

/** An NDJSON file of OperationOutcomes (the manifest's `error` files). */
export function outcomeLines(outcomes: Resource[]): Readable {
  return Readable.from([Buffer.from(outcomes.map((o) => `${JSON.stringify(o)}\n`).join(''), 'utf8')]);
}
