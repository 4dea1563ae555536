import { close, fdatasync, open, write } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IndexSpec, StoredDocument } from '../port';
import { syncDirectory } from './journal';
import { encodeLine } from './lines';
import { indexOp, putOp, recordJson } from './records';

const openAsync = promisify(open);
const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);
const closeAsync = promisify(close);

/** A frozen view of one collection (documents are never mutated in place, so sharing is safe). */
export interface CollectionImage {
  name: string;
  specs: IndexSpec[];
  docs: StoredDocument[];
}

const DOCS_PER_LINE = 256;
const FLUSH_AT = 1 << 20;

/**
 * Writes a snapshot atomically: temp file, fsync, rename, fsync of the directory. A crash at
 * any point leaves either the old generation or the complete new one.
 */
export async function writeSnapshot(file: string, images: CollectionImage[]): Promise<void> {
  const temp = `${file}.tmp`;
  const fd = await openAsync(temp, 'w');
  try {
    let buffer = '';
    const emit = async (json: string) => {
      buffer += encodeLine(json);
      if (buffer.length >= FLUSH_AT) {
        await writeFully(fd, Buffer.from(buffer, 'utf8'));
        buffer = '';
      }
    };
    await emit('{"snapshot":1}');
    for (const image of images) {
      if (image.specs.length > 0) await emit(recordJson(image.specs.map((s) => indexOp(image.name, s))));
      for (let i = 0; i < image.docs.length; i += DOCS_PER_LINE) {
        const ops = image.docs.slice(i, i + DOCS_PER_LINE).map((d) => putOp(image.name, JSON.stringify(d)));
        await emit(recordJson(ops));
      }
    }
    await emit('{"end":true}');
    if (buffer) await writeFully(fd, Buffer.from(buffer, 'utf8'));
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
