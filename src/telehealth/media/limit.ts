import { Transform, type TransformCallback } from 'node:stream';
import { FhirError } from '../../fhir/outcome';

/** 413 for an upload past `maxBytes`, raised while streaming (nothing is buffered to find out). */
export const tooLarge = (maxBytes: number) => new FhirError(413, `The content exceeds the limit of ${maxBytes} bytes (BINARY_MAX_BYTES)`);

/** Passes bytes through and fails with 413 as soon as more than `maxBytes` went by. */
export class ByteLimit extends Transform {
  bytes = 0;
  exceeded = false;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) {
      this.exceeded = true;
      callback(tooLarge(this.maxBytes));
      return;
    }
    callback(null, chunk);
  }
}
