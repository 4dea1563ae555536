import { close, fdatasync, open, write } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IndexSpec, StoredDocument } from '../port';
import { syncDirectory } from './journal';
import { encodeLineBytes, encodeLineOf } from './lines';
import { indexOp, recordJson } from './records';
import type { Row } from './rows';
import type { KeyLayout } from './table';

const openAsync = promisify(open);
const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

/** A frozen view of one collection (rows are immutable, so sharing them is safe). */
export interface CollectionImage {
  name: string;
  specs: IndexSpec[];
  rows: Array<[string, Row]>;
  /** The indexes at the same instant, and each document's keys in them. */
  layout: KeyLayout;
  /** A row's document, for its keys (not kept). */
  parse(row: Row): StoredDocument;
}

const FLUSH_AT = 1 << 20;

/** The tab that ends a row line's head: JSON text never holds a raw tab, so the first one after `R\t` is it. */
export const ROW_TAG = 'R\t';

/**
 * Writes a snapshot atomically: temp file, fsync, rename, fsync of the directory. A crash at
 * any point leaves either the old generation or the complete new one. Format (version 2), each
 * line checksummed (lines.ts):
 *   {"snapshot":2}
 *   {"o":[["i",collection,spec],...]}                 the indexes of a collection
 *   {"layout":{"c":collection,"paths":[..],"unique":[..]}}  the order of the keys in its row lines
 *   R<tab>[collection,id,idxAt,keys]<tab>{document}   one line per document: its keys in every
 *                                                     index and its row text verbatim, so that
 *                                                     loading parses neither the document nor
 *                                                     re-encodes it (start-up time)
 *   {"end":true,"lines":n}                            n lines before it: a shorter file is incomplete
 * Computing the keys parses each document here, in the background, instead of at every start.
 */
export async function writeSnapshot(file: string, images: CollectionImage[]): Promise<void> {
  const temp = `${file}.tmp`;
  const fd = await openAsync(temp, 'w');
  try {
    let lines: Buffer[] = [];
    let buffered = 0;
    const flush = async () => {
      await writeFully(fd, lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines, buffered));
      lines = [];
      buffered = 0;
    };
    let count = 0;
    const emit = async (json: string, body?: Buffer) => {
      const line = body ? encodeLineOf(json, body) : encodeLineBytes(json);
      lines.push(line);
      buffered += line.length;
      count++;
      if (buffered >= FLUSH_AT) await flush();
    };
    await emit('{"snapshot":2}');
    for (const image of images) {
      if (image.specs.length > 0) await emit(recordJson(image.specs.map((s) => indexOp(image.name, s))));
      const { paths, uniques } = image.layout;
      await emit(JSON.stringify({ layout: { c: image.name, paths, unique: uniques } }));
      const indexed = paths.length + uniques.length > 0;
      for (const [id, row] of image.rows) {
        const keys = indexed ? image.layout.keysOf(image.parse(row)) : [];
        await emit(`${ROW_TAG}${JSON.stringify([image.name, id, row.idxAt, keys])}\t`, row.bytes);
      }
    }
    await emit(`{"end":true,"lines":${count}}`);
    if (buffered > 0) await flush();
    await datasyncAsync(fd);
  } finally {
    await closeAsync(fd);
  }
  await rename(temp, file);
  await syncDirectory(path.dirname(file));
}

async function writeFully(fd: number, buffer: Buffer): Promise<void> {
  let written = 0;
  while (written < buffer.length) written += (await writeAsync(fd, buffer, written, buffer.length - written)).bytesWritten;
}
