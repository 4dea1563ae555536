import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore, DocumentStore } from '../../src/storage/port';

/**
 * A streaming file BlobStore for the Binary tests, used only while the store under test has none
 * (the storage engine ships the real one). Streams straight to disk: nothing is buffered whole.
 */
export class FileBlobStore implements BlobStore {
  readonly dir = mkdtempSync(path.join(tmpdir(), 'telefhir-blobs-'));
  private file = (id: string) => path.join(this.dir, `${id}.bin`);
  private meta = (id: string) => path.join(this.dir, `${id}.json`);

  async write(id: string, contentType: string, content: NodeJS.ReadableStream, maxBytes: number): Promise<BlobInfo> {
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        cb(size > maxBytes ? new Error('blob too large') : null, chunk);
      },
    });
    await pipeline(content, counter, createWriteStream(this.file(id)));
    const info = { id, size, contentType };
    writeFileSync(this.meta(id), JSON.stringify(info));
    return info;
  }
  async stat(id: string): Promise<BlobInfo | null> {
    return existsSync(this.meta(id)) ? (JSON.parse(readFileSync(this.meta(id), 'utf8')) as BlobInfo) : null;
  }
  async read(id: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream> {
    return createReadStream(this.file(id), range ? { start: range.start, end: range.end } : {});
  }
  async delete(id: string): Promise<void> {
    await Promise.all([unlink(this.file(id)).catch(() => undefined), unlink(this.meta(id)).catch(() => undefined)]);
  }
  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `store` itself when it has a BlobStore; otherwise a view of it with the file BlobStore. */
export function withBlobs(store: DocumentStore, blobs: FileBlobStore): DocumentStore {
  try {
    void store.blobs;
    return store;
  } catch {
    return new Proxy(store, {
      get: (target, key) => {
        if (key === 'blobs') return blobs;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }
}
