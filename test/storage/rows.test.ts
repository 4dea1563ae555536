import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';
import { parseRow, rowJson, rowOf, rowOfBytes } from '../../src/storage/embedded/rows';

/** Embedded engine only: documents held as JSON rows, and the compact buckets of its equality indexes. */
describe('rows', () => {
  it('keep the JSON of a document with idx last, and parse with or without it', () => {
    const doc = { _id: 'a', idx: { code: ['c:1'], 'x"idx"': 1 }, resource: { note: ',"idx": é ✓' }, n: 1 };
    const row = rowOf(doc as never);
    expect(JSON.parse(rowJson(row))).toEqual(doc);
    expect(rowJson(row).endsWith(`,"idx":${JSON.stringify(doc.idx)}}`)).toBe(true);
    expect(parseRow(row)).toEqual(doc);
    expect(parseRow(row, false)).toEqual({ _id: 'a', resource: { note: ',"idx": é ✓' }, n: 1 }); // byte offsets, multi-byte text before them
    expect(rowOf({ _id: 'b', n: 2 } as never)).toEqual({ bytes: Buffer.from('{"_id":"b","n":2}'), idxAt: -1 });
  });

  it('distrust an offset that does not point at the idx field', () => {
    const bytes = Buffer.from('{"_id":"a","n":1}');
    expect(rowOfBytes(bytes, 5)).toEqual({ bytes, idxAt: -1 });
    expect(parseRow(rowOfBytes(bytes, 5), false)).toEqual({ _id: 'a', n: 1 });
  });
});

describe('equality index buckets', () => {
  let dir: string;
  let store: EmbeddedStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'telefhir-rows-'));
    store = await openEmbeddedStore({ dataDir: dir, parsedCacheBytes: 4096 });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('grow from one id to a small array to a set, and shrink back as documents leave or change key', async () => {
    const c = store.collection('Buckets');
    await c.createIndex({ keys: { tag: 1 } });
    const ids = Array.from({ length: 40 }, (_, i) => `d${i}`);
    for (const [i, id] of ids.entries()) {
      await c.insertOne({ _id: id, tag: 'shared', other: `own${i}` } as never);
      expect(c.explain({ tag: 'shared' }).candidates).toBe(i + 1);
    }
    expect((await c.find({ tag: 'shared' })).map((d) => d._id).sort()).toEqual([...ids].sort());
    for (const [i, id] of ids.entries()) {
      if (i % 2 === 0) await c.deleteOne({ _id: id });
      else await c.replaceOne({ _id: id }, { _id: id, tag: `moved${i}` } as never);
      expect(c.explain({ tag: 'shared' }).candidates).toBe(39 - i);
    }
    expect(await c.countDocuments({ tag: 'shared' })).toBe(0);
    expect((await c.find({ tag: { $in: ['moved1', 'moved3', 'moved5'] } })).map((d) => d._id).sort()).toEqual(['d1', 'd3', 'd5']);
    // a re-added id is counted once
    await c.replaceOne({ _id: 'd1' }, { _id: 'd1', tag: 'moved1', v: 2 } as never);
    expect(c.explain({ tag: 'moved1' }).candidates).toBe(1);
    expect(await c.findOne({ tag: 'moved1' })).toEqual({ _id: 'd1', tag: 'moved1', v: 2 });
  });

  it('never serve a replaced document from the parse cache', async () => {
    const c = store.collection('Cached');
    await c.insertOne({ _id: 'x', v: 1, idx: { k: 'a' } } as never);
    expect(await c.findOne({ _id: 'x' }, { projection: { idx: 0 } })).toEqual({ _id: 'x', v: 1 });
    const slim = (await c.findOne({ _id: 'x' }, { projection: { idx: 0 } })) as unknown as { v: number };
    slim.v = 99; // a cached parse is never handed out itself
    expect(await c.findOne({ 'idx.k': 'a' })).toEqual({ _id: 'x', v: 1, idx: { k: 'a' } });
    await c.replaceOne({ _id: 'x' }, { _id: 'x', v: 2, idx: { k: 'b' } } as never);
    expect(await c.findOne({ 'idx.k': 'a' })).toBeNull();
    expect(await c.findOne({ _id: 'x' })).toEqual({ _id: 'x', v: 2, idx: { k: 'b' } });
    expect(await c.findOne({ _id: 'x' }, { projection: { idx: 0 } })).toEqual({ _id: 'x', v: 2 });
  });
});
