import { close, fdatasync, open, write } from 'node:fs';
import { rename } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IndexSpec, StoredDocument } from '../port';
import { syncDirectory } from './journal';
import { encodeLineBytes } from './lines';
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
    let lines: Buffer[] = [];
    let buffered = 0;
    const flush = async () => {
      await writeFully(fd, lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines, buffered));
      lines = [];
      buffered = 0;
    };
    const emit = async (json: string) => {
      const line = encodeLineBytes(json);
      lines.push(line);
      buffered += line.length;
      if (buffered >= FLUSH_AT) await flush();
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
