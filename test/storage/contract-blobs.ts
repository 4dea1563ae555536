import { Readable } from 'node:stream';
import { BlobTooLargeError, type DocumentStore } from '../../src/storage/port';

/** The BlobStore part of the storage contract (see contract.ts). */
async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function blobContract(getStore: () => DocumentStore, unique: (name: string) => string): void {
  describe('blobs', () => {
    let store: DocumentStore;
    beforeAll(() => {
      store = getStore();
    });
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));

    it('round-trips content, stats it and deletes it', async () => {
      const id = unique('blob').replace('_', '-');
      const info = await store.blobs.write(id, 'image/png', Readable.from([bytes.subarray(0, 1000), bytes.subarray(1000)]), 1_000_000);
      expect(info).toEqual({ id, size: bytes.length, contentType: 'image/png' });
      expect(await store.blobs.stat(id)).toEqual(info);
      expect((await collect(await store.blobs.read(id))).equals(bytes)).toBe(true);
      await store.blobs.delete(id);
      expect(await store.blobs.stat(id)).toBeNull();
      await expect(store.blobs.read(id)).rejects.toThrow();
      await store.blobs.delete(id); // deleting again is harmless
    });

    it('takes any FHIR id, one starting with a dot included (1 in 64 generated ids)', async () => {
      for (const id of [`.${unique('dot').replace('_', '-')}`, `${unique('mid').replace('_', '-')}.v2`]) {
        const info = await store.blobs.write(id, 'text/plain', Readable.from([Buffer.from('dot')]), 100);
        expect(info.size).toBe(3);
        expect((await collect(await store.blobs.read(id))).toString()).toBe('dot');
        await store.blobs.delete(id);
        expect(await store.blobs.stat(id)).toBeNull();
      }
    });

    it('reads inclusive byte ranges', async () => {
      const id = unique('range').replace('_', '-');
      await store.blobs.write(id, 'application/octet-stream', Readable.from([bytes]), bytes.length);
      expect((await collect(await store.blobs.read(id, { start: 0, end: 0 }))).equals(bytes.subarray(0, 1))).toBe(true);
      expect((await collect(await store.blobs.read(id, { start: 1000, end: 299_999 }))).equals(bytes.subarray(1000))).toBe(true);
      expect((await collect(await store.blobs.read(id, { start: 261_000, end: 262_200 }))).equals(bytes.subarray(261_000, 262_201))).toBe(true);
      await expect(store.blobs.read(id, { start: 10, end: bytes.length })).rejects.toThrow();
    });

    it('rejects content past maxBytes while streaming and keeps nothing', async () => {
      const id = unique('big').replace('_', '-');
      let produced = 0;
      const endless = new Readable({
        read() {
          produced += 65536;
          this.push(produced > 10_000_000 ? null : Buffer.alloc(65536));
        },
      });
      await expect(store.blobs.write(id, 'video/mp4', endless, 100_000)).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(produced).toBeLessThan(2_000_000); // stopped early, not buffered whole
      expect(await store.blobs.stat(id)).toBeNull();
    });

    it('accepts content of exactly maxBytes and replaces a blob with the same id', async () => {
      const id = unique('exact').replace('_', '-');
      await store.blobs.write(id, 'text/plain', Readable.from([Buffer.from('hello')]), 5);
      await store.blobs.write(id, 'text/csv', Readable.from([Buffer.from('a,b')]), 5);
      expect(await store.blobs.stat(id)).toEqual({ id, size: 3, contentType: 'text/csv' });
      expect((await collect(await store.blobs.read(id))).toString()).toBe('a,b');
    });

    it('a failing source stream leaves no blob', async () => {
      const id = unique('broken').replace('_', '-');
      const broken = new Readable({
        read() {
          this.destroy(new Error('client went away'));
        },
      });
      await expect(store.blobs.write(id, 'text/plain', broken, 100)).rejects.toThrow('client went away');
      expect(await store.blobs.stat(id)).toBeNull();
    });
  });

}
