import { Transform, type TransformCallback } from 'node:stream';
import { BlobTooLargeError } from './port';

/** Counts bytes as they pass and fails the stream past the limit (both adapters' blob uploads). */
export class ByteCounter extends Transform {
  bytes = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) done(new BlobTooLargeError(this.maxBytes));
    else done(null, chunk);
  }
}
