import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encodeLine } from '../../src/storage/embedded/lines';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';
import type { StoreLogger } from '../../src/storage/port';
import { runUntilKilled } from './crash-run';

/** Embedded engine only: snapshots (checkpoints), the journal tail after them, and what a damaged or interrupted snapshot costs. */
const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-snapshots-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const dbFiles = (dataDir: string) => readdirSync(path.join(dataDir, 'db')).sort();
const dbFile = (dataDir: string, name: string) => path.join(dataDir, 'db', name);

function recordingLogger(): StoreLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (message: string) => void warnings.push(message), error: (message: string) => void warnings.push(message) };
}

/** Three generations of writes: A (inserts), B (inserts, replaces and deletes of A), C (more of both), compacting between them. */
async function writeGenerations(store: EmbeddedStore): Promise<void> {
  const c = store.collection('Gen');
  await c.createIndex({ keys: { batch: 1 }, name: 'batch' });
  for (let i = 0; i < 50; i++) await c.insertOne({ _id: `a${i}`, batch: 'A', n: i, idx: { k: [`a${i}`] } } as never);
  await store.compact();
  for (let i = 0; i < 50; i++) await c.insertOne({ _id: `b${i}`, batch: 'B', n: i } as never);
  for (let i = 0; i < 10; i++) await c.replaceOne({ _id: `a${i}` }, { _id: `a${i}`, batch: 'B', n: 1000 + i } as never);
  for (let i = 10; i < 20; i++) await c.deleteOne({ _id: `a${i}` });
  await store.compact();
  for (let i = 0; i < 5; i++) await c.insertOne({ _id: `c${i}`, batch: 'C', n: i } as never);
  await c.deleteOne({ _id: 'b0' });
}

async function expectGenerations(store: EmbeddedStore): Promise<void> {
  const c = store.collection('Gen');
  expect(await c.countDocuments({})).toBe(50 + 50 - 10 + 5 - 1);
  expect(await c.countDocuments({ batch: 'A' })).toBe(30);
  expect(await c.countDocuments({ batch: 'B' })).toBe(59);
  expect(await c.countDocuments({ batch: 'C' })).toBe(5);
  expect(await c.findOne({ _id: 'a3' })).toEqual({ _id: 'a3', batch: 'B', n: 1003 });
  expect(await c.findOne({ _id: 'a25' })).toEqual({ _id: 'a25', batch: 'A', n: 25, idx: { k: ['a25'] } });
  expect(await c.findOne({ _id: 'a25' }, { projection: { idx: 0 } })).toEqual({ _id: 'a25', batch: 'A', n: 25 });
  expect(await c.findOne({ _id: 'a15' })).toBeNull();
  expect(await c.findOne({ _id: 'b0' })).toBeNull();
  expect(c.explain({ batch: 'C' })).toEqual({ index: 'batch', candidates: 5 });
}

describe('snapshots', () => {
  it('a restart loads the newest snapshot and replays only the journal written after it', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await writeGenerations(store);
    await store.close();
    // generation 2 is current; generation 1 is kept as the fallback, generation 0 is gone
    expect(dbFiles(dataDir)).toEqual(['journal-1.jsonl', 'journal-2.jsonl', 'snapshot-1.jsonl', 'snapshot-2.jsonl']);
    const journalTail = readFileSync(dbFile(dataDir, 'journal-2.jsonl'), 'utf8').trim().split('\n');
    expect(journalTail).toHaveLength(6); // C's five inserts and one delete: all a restart replays
    const reopened = await openEmbeddedStore({ dataDir });
    await expectGenerations(reopened);
    await reopened.close();
  });

  it('index keys recorded in the snapshot serve equality and unique indexes after a restart', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    const c = store.collection('Keys');
    await c.createIndex({ keys: { code: 1 }, name: 'code_unique', unique: true });
    await c.createIndex({ keys: { 'idx.tags': 1, _id: 1 }, name: 'tags' });
    for (let i = 0; i < 30; i++) await c.insertOne({ _id: `k${i}`, code: `c${i}`, idx: { tags: [`t${i % 3}`, 'all'] } } as never);
    await store.compact();
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir });
    const again = reopened.collection('Keys');
    expect(again.explain({ 'idx.tags': 't1' })).toEqual({ index: 'idx.tags', candidates: 10 });
    expect((await again.find({ 'idx.tags': 't1' }, { projection: { idx: 0 } })).map((d) => d._id)).toEqual(['k1', 'k4', 'k7', 'k10', 'k13', 'k16', 'k19', 'k22', 'k25', 'k28']);
    await expect(again.insertOne({ _id: 'dup', code: 'c7' } as never)).rejects.toThrow(/duplicate/);
    await again.replaceOne({ _id: 'k7' }, { _id: 'k7', code: 'c7b', idx: { tags: ['t1'] } } as never);
    expect(again.explain({ 'idx.tags': 'all' }).candidates).toBe(29);
    await again.insertOne({ _id: 'now-free', code: 'c7' } as never);
    await reopened.close();
  });

  it('a journal past the threshold at open is compacted in the background, and nothing is lost', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    const c = store.collection('Big');
    for (let i = 0; i < 40; i++) await c.insertOne({ _id: `x${i}`, text: 'y'.repeat(200) } as never);
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir, compactAfterBytes: 4096 });
    await reopened.compact(); // joins the compaction started by open, then rolls once more
    expect(dbFiles(dataDir).some((f) => f.startsWith('snapshot-'))).toBe(true);
    await reopened.close();
    const third = await openEmbeddedStore({ dataDir });
    expect(await third.collection('Big').countDocuments({})).toBe(40);
    await third.close();
  });

  it.each([
    ['torn (cut in the middle)', (file: string) => truncateSync(file, Math.floor(readFileSync(file).length / 2))],
    ['corrupted (one byte changed)', (file: string) => {
      const bytes = readFileSync(file);
      const at = bytes.indexOf('"n":40');
      bytes[at + 5] = '7'.charCodeAt(0); // still valid JSON: only the checksum tells
      writeFileSync(file, bytes);
    }],
    ['missing its end line', (file: string) => {
      const lines = readFileSync(file, 'utf8').split('\n');
      writeFileSync(file, `${lines.slice(0, -2).join('\n')}\n`);
    }],
  ])('a %s newest snapshot is set aside: the previous one and the journals since rebuild every write', async (_, damage) => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await writeGenerations(store);
    await store.close();
    damage(dbFile(dataDir, 'snapshot-2.jsonl'));
    const logger = recordingLogger();
    const reopened = await openEmbeddedStore({ dataDir, logger });
    await expectGenerations(reopened);
    expect(logger.warnings.join('\n')).toMatch(/snapshot-2\.jsonl: .*recovered from generation 1/);
    expect(dbFiles(dataDir)).toContain('snapshot-2.jsonl.damaged');
    // writes go on, and the next compaction writes a good snapshot again
    await reopened.collection('Gen').insertOne({ _id: 'after', batch: 'D' } as never);
    await reopened.compact();
    await reopened.close();
    const again = await openEmbeddedStore({ dataDir });
    expect(await again.collection('Gen').countDocuments({})).toBe(95);
    await again.close();
  });

  it('loads a version 1 snapshot (records of 256 documents) written by an earlier release', async () => {
    const dataDir = freshDir();
    mkdirSync(path.join(dataDir, 'db'));
    const docs = [{ _id: 'v1', tag: 'old', idx: { k: ['x'] } }, { _id: 'v2', tag: 'old' }];
    const lines = [
      '{"snapshot":1}',
      JSON.stringify({ o: [['i', 'Legacy', { name: 'tag', keys: { tag: 1 } }]] }),
      JSON.stringify({ o: docs.map((d) => ['p', 'Legacy', d]) }),
      '{"end":true}',
    ];
    writeFileSync(dbFile(dataDir, 'snapshot-1.jsonl'), lines.map(encodeLine).join(''));
    writeFileSync(dbFile(dataDir, 'journal-1.jsonl'), encodeLine(JSON.stringify({ o: [['d', 'Legacy', 'v2']] })));
    const store = await openEmbeddedStore({ dataDir });
    const c = store.collection('Legacy');
    expect(await c.find({ tag: 'old' })).toEqual([docs[0]]);
    expect(await c.findOne({ _id: 'v1' }, { projection: { idx: 0 } })).toEqual({ _id: 'v1', tag: 'old' });
    expect(c.explain({ tag: 'old' }).index).toBe('tag');
    await store.close();
  });

  it('refuses to open when the newest snapshot is damaged and no older generation can replace it', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await writeGenerations(store);
    await store.close();
    rmSync(dbFile(dataDir, 'journal-1.jsonl'));
    truncateSync(dbFile(dataDir, 'snapshot-2.jsonl'), 100);
    await expect(openEmbeddedStore({ dataDir })).rejects.toThrow(/snapshot-2\.jsonl/);
  });
});

describe('crash while a snapshot is being written', () => {
  it('every acknowledged write survives SIGKILL, and the unfinished snapshot is discarded', async () => {
    const dataDir = freshDir();
    // snapshots are written back to back; the kill comes while one is being written
    const unfinishedSnapshot = () => dbFiles(dataDir).some((f) => f.endsWith('.tmp'));
    const acked = await runUntilKilled(dataDir, 400, 'compacting', unfinishedSnapshot);
    const store = await openEmbeddedStore({ dataDir });
    expect(dbFiles(dataDir).some((f) => f.endsWith('.tmp'))).toBe(false);
    const present = new Set((await store.collection('Crash').find({}, { projection: { _id: 1 } })).map((d) => d._id));
    expect(acked.filter((id) => !present.has(id))).toEqual([]);
    expect(await store.collection('Preloaded').countDocuments({})).toBe(20000);
    const pairs = await store.collection('CrashPair').find({});
    for (const pair of pairs) expect(present.has(pair._id.replace(/-pair$/, ''))).toBe(true);
    await store.close();
  }, 180_000);
});
