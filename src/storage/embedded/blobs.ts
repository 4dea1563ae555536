import { ByteCounter } from '../byte-counter';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo, BlobStore } from '../port';
import { syncDirectory } from './journal';

/**
 * Blob ids become file names (`<id>.bin`, `<id>.json`, never a bare path component): FHIR ids
 * ([A-Za-z0-9-.]{1,64}, so possibly starting with a dot, as 1 in 64 generated ids do) and similar
 * are accepted, nothing else, and not an id of dots only.
 */
const SAFE_ID = /^(?!\.+$)[A-Za-z0-9_.-]{1,128}$/;

function assertId(id: string): void {
  if (!SAFE_ID.test(id)) throw new Error(`invalid blob id '${id}'`);
}


async function fsyncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

const ignoreMissing = (error: NodeJS.ErrnoException) => {
  if (error.code !== 'ENOENT') throw error;
};

/**
 * Blobs as files under dataDir/blobs: `<id>.bin` (the bytes) and `<id>.json` (size and content
 * type). Content is streamed to a temp file, fsynced and renamed into place, so a blob is either
 * absent or complete; the metadata file is written last and is what makes the blob visible.
 */
export class FileBlobStore implements BlobStore {
  private ready: Promise<void> | undefined;
  constructor(private readonly dir: string) {}

  private prepare(): Promise<void> {
    this.ready ??= (async () => {
      await mkdir(this.dir, { recursive: true });
      await syncDirectory(path.dirname(this.dir));
      // temp files of uploads interrupted by a crash (writes in this process start after this)
      for (const name of await readdir(this.dir)) if (name.startsWith('.') && name.endsWith('.tmp')) await unlink(path.join(this.dir, name)).catch(() => undefined);
    })();
    return this.ready;
  }

  private file(id: string, ext: 'bin' | 'json'): string {
    return path.join(this.dir, `${id}.${ext}`);
  }

  async write(id: string, contentType: string, content: NodeJS.ReadableStream, maxBytes: number): Promise<BlobInfo> {
    assertId(id);
    await this.prepare();
    const temp = path.join(this.dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    const counter = new ByteCounter(maxBytes);
    try {
      await pipeline(content, counter, createWriteStream(temp, { flags: 'wx' }));
      await fsyncFile(temp);
      await rename(temp, this.file(id, 'bin'));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    const info: BlobInfo = { id, size: counter.bytes, contentType };
    const metaTemp = `${temp.slice(0, -4)}.meta.tmp`;
    await writeFile(metaTemp, JSON.stringify(info), { flush: true });
    await rename(metaTemp, this.file(id, 'json'));
    await syncDirectory(this.dir);
    return info;
  }

  async stat(id: string): Promise<BlobInfo | null> {
    if (!SAFE_ID.test(id)) return null;
    try {
      const info = JSON.parse(await readFile(this.file(id, 'json'), 'utf8')) as BlobInfo;
      await stat(this.file(id, 'bin'));
      return info;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async read(id: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream> {
    const info = await this.stat(id);
    if (!info) throw Object.assign(new Error(`blob ${id} not found`), { code: 'ENOENT' });
    if (range && (range.start < 0 || range.end < range.start || range.end >= info.size)) {
      throw new RangeError(`range ${range.start}-${range.end} is outside the ${info.size} bytes of blob ${id}`);
    }
    return createReadStream(this.file(id, 'bin'), range ? { start: range.start, end: range.end } : {});
  }

  async delete(id: string): Promise<void> {
    if (!SAFE_ID.test(id)) return;
    // metadata first: the blob disappears at once, the bytes follow
    await unlink(this.file(id, 'json')).catch(ignoreMissing);
    await unlink(this.file(id, 'bin')).catch(ignoreMissing);
  }
}
