import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore } from '../../src/storage/embedded/store';
import type { DocumentStore } from '../../src/storage/port';

/** The embedded engine's `scan` (the export's cursor): `_id` order, resumable, filtered, a snapshot. */
let dir: string;
let store: DocumentStore;
interface Doc {
  _id: string;
  n: number;
  big?: string;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'telefhir-scan-'));
  store = await openEmbeddedStore({ dataDir: dir });
  await store.withTransaction(async (session) => {
    // inserted out of order: the scan sorts
    for (const n of [5, 3, 9, 1, 7, 2, 8, 4, 6, 0]) await store.collection<Doc>('things').insertOne({ _id: `t${n}`, n, big: 'x'.repeat(10) }, { session });
  });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function collect(filter: Record<string, unknown>, options: { after?: string; batchSize: number; projection?: Record<string, 0 | 1> }): Promise<Doc[][]> {
  const scan = store.collection<Doc>('things').scan;
  if (!scan) throw new Error('the embedded engine has scan');
  const batches: Doc[][] = [];
  for await (const batch of scan.call(store.collection<Doc>('things'), filter, options)) batches.push(batch);
  return batches;
}

it('hands out matching documents in _id order, in batches', async () => {
  const batches = await collect({ n: { $gte: 2 } }, { batchSize: 3 });
  expect(batches.flat().map((d) => d._id)).toEqual(['t2', 't3', 't4', 't5', 't6', 't7', 't8', 't9']);
  expect(batches.every((b) => b.length <= 3)).toBe(true);
});

it('resumes after an _id and applies an exclusion projection', async () => {
  const docs = (await collect({}, { after: 't6', batchSize: 100, projection: { big: 0 } })).flat();
  expect(docs.map((d) => d._id)).toEqual(['t7', 't8', 't9']);
  expect(docs[0]).toEqual({ _id: 't7', n: 7 });
});

it('reads a snapshot: documents written after the scan started are not seen, copies are private', async () => {
  const scan = store.collection<Doc>('things').scan?.({}, { batchSize: 2 }) as AsyncIterable<Doc[]>;
  const iterator = scan[Symbol.asyncIterator]();
  const first = await iterator.next();
  (first.value as Doc[])[0]!.n = 999;
  await store.collection<Doc>('things').insertOne({ _id: 't99', n: 99 });
  const rest: Doc[] = [];
  for (let step = await iterator.next(); !step.done; step = await iterator.next()) rest.push(...step.value);
  expect(rest.map((d) => d._id)).not.toContain('t99');
  expect((await store.collection<Doc>('things').findOne({ _id: 't0' }))?.n).toBe(0);
});
