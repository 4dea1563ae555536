import { ByteCounter } from '../byte-counter';
import { pipeline } from 'node:stream/promises';
import { GridFSBucket, type Db, type GridFSFile } from 'mongodb';
import type { BlobInfo, BlobStore } from '../port';


/** Blobs in GridFS (bucket `blobs`): file `_id` = blob id, content type in the metadata. */
export class GridFsBlobStore implements BlobStore {
  private readonly bucket: GridFSBucket;

  constructor(private readonly db: Db) {
    this.bucket = new GridFSBucket(db, { bucketName: 'blobs' });
  }

  private async file(id: string): Promise<GridFSFile | null> {
    return this.bucket.find({ _id: id as never }).next();
  }

  async write(id: string, contentType: string, content: NodeJS.ReadableStream, maxBytes: number): Promise<BlobInfo> {
    await this.delete(id); // GridFS refuses a second file with the same _id
    const counter = new ByteCounter(maxBytes);
    const upload = this.bucket.openUploadStreamWithId(id as never, id, { metadata: { contentType } });
    try {
      await pipeline(content, counter, upload);
    } catch (error) {
      await upload.abort().catch(() => undefined);
      await this.db.collection('blobs.chunks').deleteMany({ files_id: id as never }).catch(() => undefined);
      await this.db.collection('blobs.files').deleteOne({ _id: id as never }).catch(() => undefined);
      throw error;
    }
    return { id, size: counter.bytes, contentType };
  }

  async stat(id: string): Promise<BlobInfo | null> {
    const file = await this.file(id);
    if (!file) return null;
    return { id, size: file.length, contentType: String((file.metadata as { contentType?: unknown } | undefined)?.contentType ?? 'application/octet-stream') };
  }

  async read(id: string, range?: { start: number; end: number }): Promise<NodeJS.ReadableStream> {
    const info = await this.stat(id);
    if (!info) throw Object.assign(new Error(`blob ${id} not found`), { code: 'ENOENT' });
    if (!range) return this.bucket.openDownloadStream(id as never);
    if (range.start < 0 || range.end < range.start || range.end >= info.size) {
      throw new RangeError(`range ${range.start}-${range.end} is outside the ${info.size} bytes of blob ${id}`);
    }
    // the driver's `end` is exclusive; the port's (HTTP's) is inclusive
    return this.bucket.openDownloadStream(id as never, { start: range.start, end: range.end + 1 });
  }

  async delete(id: string): Promise<void> {
    try {
      await this.bucket.delete(id as never);
    } catch (error) {
      if (!/FileNotFound|not found/i.test((error as Error).message)) throw error;
    }
  }
}
