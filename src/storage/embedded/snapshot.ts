import { close, fdatasync, open, write } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IndexSpec } from '../port';
import { syncDirectory } from './journal';
import { encodeLineBytes } from './lines';
import { indexOp, recordJson } from './records';
import type { Row } from './rows';

const openAsync = promisify(open);
const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

/** A frozen view of one collection (rows are immutable, so sharing them is safe). */
export interface CollectionImage {
  name: string;
  specs: IndexSpec[];
  rows: Array<[string, Row]>;
}

const FLUSH_AT = 1 << 20;

/** The prefix of a row line's JSON, before the document text: `["r","<collection>",<idxAt>,`. */
export const rowLinePrefix = (collection: string, idxAt: number) => `["r",${JSON.stringify(collection)},${idxAt},`;

/**
 * Writes a snapshot atomically: temp file, fsync, rename, fsync of the directory. A crash at
 * any point leaves either the old generation or the complete new one. Format (version 2), each
 * line checksummed (lines.ts):
 *   {"snapshot":2}
 *   {"o":[["i",collection,spec],...]}          the indexes of a collection
 *   ["r",collection,idxAt,{document}]           one line per document: its row text verbatim, so
 *                                               loading keeps the text instead of re-encoding it
 *   {"end":true,"lines":n}                     n lines before it: a shorter file is incomplete
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
    const emit = async (json: string) => {
      const line = encodeLineBytes(json);
      lines.push(line);
      buffered += line.length;
      count++;
      if (buffered >= FLUSH_AT) await flush();
    };
    await emit('{"snapshot":2}');
    for (const image of images) {
      if (image.specs.length > 0) await emit(recordJson(image.specs.map((s) => indexOp(image.name, s))));
      for (const [, row] of image.rows) await emit(`${rowLinePrefix(image.name, row.idxAt)}${row.json}]`);
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
