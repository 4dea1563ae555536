import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';
import { DataDirLockedError } from '../../src/storage/embedded/lock';
import { CorruptDataError } from '../../src/storage/embedded/recovery';
import { runUntilKilled } from './crash-run';

/** Embedded engine only: what survives a restart, a torn write, compaction and a crash. */
const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-durable-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const dbFiles = (dataDir: string) => readdirSync(path.join(dataDir, 'db')).sort();
const journalOf = (dataDir: string) => {
  const name = dbFiles(dataDir).find((f) => f.startsWith('journal-'));
  if (!name) throw new Error('no journal');
  return path.join(dataDir, 'db', name);
};

async function seed(store: EmbeddedStore): Promise<void> {
  const c = store.collection('Thing');
  await c.createIndex({ keys: { tag: 1 }, name: 'tag' });
  await c.createIndex({ keys: { code: 1 }, name: 'code_unique', unique: true });
  for (let i = 0; i < 20; i++) await c.insertOne({ _id: `t${i}`, tag: `g${i % 4}`, code: `k${i}`, n: i } as never);
  await c.replaceOne({ _id: 't0' }, { _id: 't0', tag: 'changed', code: 'k0', n: 100 } as never);
  await c.deleteOne({ _id: 't1' });
  await store.withTransaction(async (session) => {
    await c.insertOne({ _id: 'tx1', tag: 'tx', code: 'ktx1' } as never, { session });
    await store.collection('Other').insertOne({ _id: 'o1' }, { session });
  });
  await expect(
    store.withTransaction(async (session) => {
      await c.insertOne({ _id: 'rolled-back', tag: 'tx' } as never, { session });
      throw new Error('abort');
    }),
  ).rejects.toThrow('abort');
}

async function expectSeeded(store: EmbeddedStore): Promise<void> {
  const c = store.collection('Thing');
  expect(await c.countDocuments({})).toBe(20);
  expect(await c.findOne({ _id: 't0' })).toEqual({ _id: 't0', tag: 'changed', code: 'k0', n: 100 });
  expect(await c.findOne({ _id: 't1' })).toBeNull();
  expect(await c.countDocuments({ tag: 'tx' })).toBe(1);
  expect(await store.collection('Other').countDocuments({})).toBe(1);
  expect(c.explain({ tag: 'g2' }).index).toBe('tag'); // indexes come back too
  await expect(c.insertOne({ _id: 'dup', code: 'k5' } as never)).rejects.toThrow(/duplicate/);
  expect((await store.listCollections()).sort()).toEqual(['Other', 'Thing']);
}

describe('restart', () => {
  it('replays every write, transaction and index after a clean close', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await seed(store);
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir });
    await expectSeeded(reopened);
    await reopened.close();
  });

  it('restarts from the journal tail without rewriting a snapshot, and the data survives another restart', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await seed(store);
    await store.close();
    const second = await openEmbeddedStore({ dataDir });
    await expectSeeded(second);
    await second.close();
    expect(dbFiles(dataDir)).toEqual(['journal-0.jsonl']); // far below the threshold: no compaction
    const third = await openEmbeddedStore({ dataDir });
    await expectSeeded(third);
    await third.close();
  });

  it('compacts when the journal passes its threshold, without losing writes made meanwhile', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir, compactAfterBytes: 4096 });
    const c = store.collection('Big');
    await Promise.all(Array.from({ length: 300 }, (_, i) => c.insertOne({ _id: `b${i}`, text: 'y'.repeat(100) } as never)));
    await store.compact(); // waits for a compaction in flight, then rolls once more
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.deleteOne({ _id: `b${i}` })));
    expect(store.stats().generation).toBeGreaterThanOrEqual(2);
    await store.close();
    // the newest snapshot and the previous generation (the fallback should the newest be damaged)
    expect(dbFiles(dataDir).filter((f) => f.startsWith('snapshot-')).length).toBeLessThanOrEqual(2);
    expect(dbFiles(dataDir).filter((f) => f.startsWith('journal-')).length).toBeLessThanOrEqual(2);
    const reopened = await openEmbeddedStore({ dataDir });
    expect(await reopened.collection('Big').countDocuments({})).toBe(250);
    expect(await reopened.collection('Big').findOne({ _id: 'b10' })).toBeNull();
    await reopened.close();
  });
});

describe('damaged journals', () => {
  it('drops a torn last line, truncates it, and keeps working', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await seed(store);
    await store.close();
    const journal = journalOf(dataDir);
    const goodSize = statSync(journal).size;
    appendFileSync(journal, '0badc0de {"o":[["p","Thing",{"_id":"torn"'); // a write cut short
    const reopened = await openEmbeddedStore({ dataDir });
    await expectSeeded(reopened);
    expect(await reopened.collection('Thing').findOne({ _id: 'torn' })).toBeNull();
    await reopened.collection('Thing').insertOne({ _id: 'after', code: 'after' } as never);
    await reopened.close();
    const last = await openEmbeddedStore({ dataDir });
    expect(await last.collection('Thing').findOne({ _id: 'after' })).not.toBeNull();
    await last.close();
    expect(goodSize).toBeGreaterThan(0);
  });

  it('drops a complete last line whose checksum does not match', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await store.collection('X').insertOne({ _id: 'kept' });
    await store.collection('X').insertOne({ _id: 'damaged' });
    await store.close();
    const journal = journalOf(dataDir);
    const text = readFileSync(journal, 'utf8');
    writeFileSync(journal, text.replace('"damaged"', '"dam4ged"'));
    const reopened = await openEmbeddedStore({ dataDir });
    expect((await reopened.collection('X').find({})).map((d) => d._id)).toEqual(['kept']);
    await reopened.close();
  });

  it('refuses to open when a record in the middle is damaged', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    for (const id of ['one', 'two', 'three']) await store.collection('X').insertOne({ _id: id });
    await store.close();
    const journal = journalOf(dataDir);
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"two"', '"tw0"'));
    await expect(openEmbeddedStore({ dataDir })).rejects.toBeInstanceOf(CorruptDataError);
    // the failed open released the lock: fixing the file makes the directory usable again
    writeFileSync(journal, readFileSync(journal, 'utf8').replace('"tw0"', '"two"'));
    const fixed = await openEmbeddedStore({ dataDir });
    expect(await fixed.collection('X').countDocuments({})).toBe(3);
    await fixed.close();
  });
});

describe('data directory lock', () => {
  it('refuses a second open of the same directory', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    await expect(openEmbeddedStore({ dataDir })).rejects.toBeInstanceOf(DataDirLockedError);
    await store.close();
    const again = await openEmbeddedStore({ dataDir });
    await again.close();
  });

  it('refuses a directory locked by another live process, takes over a stale lock', async () => {
    const dataDir = freshDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(path.join(dataDir, 'LOCK'), String(other.pid));
      await expect(openEmbeddedStore({ dataDir })).rejects.toThrow(/in use by another process/);
    } finally {
      other.kill('SIGKILL');
    }
    await new Promise((resolve) => other.once('exit', resolve));
    const store = await openEmbeddedStore({ dataDir }); // its owner is gone: stale
    expect(readFileSync(path.join(dataDir, 'LOCK'), 'utf8')).toBe(String(process.pid));
    await store.close();
    expect(existsSync(path.join(dataDir, 'LOCK'))).toBe(false);
  });
});

describe('group commit', () => {
  it('concurrent writes share fsyncs, and each resolves only once durable', async () => {
    const dataDir = freshDir();
    const store = await openEmbeddedStore({ dataDir });
    const c = store.collection('Burst');
    const before = store.stats();
    await Promise.all(Array.from({ length: 500 }, (_, i) => c.insertOne({ _id: `x${i}` })));
    const after = store.stats();
    expect(after.records - before.records).toBe(500);
    expect(after.flushes - before.flushes).toBeLessThan(50);
    await store.close();
  });
});

describe('crash', () => {
  it('every acknowledged write survives SIGKILL, and transactions stay whole', async () => {
    const dataDir = freshDir();
    const acked = await runUntilKilled(dataDir, 1500);
    const store = await openEmbeddedStore({ dataDir });
    const docs = store.collection('Crash');
    const pairs = store.collection('CrashPair');
    const present = new Set((await docs.find({}, { projection: { _id: 1 } })).map((d) => d._id));
    const missing = acked.filter((id) => !present.has(id));
    expect(missing).toEqual([]);
    // a transaction is all or nothing: each odd document has its pair, and no pair is orphaned
    const pairIds = new Set((await pairs.find({})).map((d) => d._id));
    for (const id of present) {
      const odd = Number(id.split('-')[1]) % 2 === 1;
      expect(pairIds.has(`${id}-pair`)).toBe(odd);
    }
    for (const pair of pairIds) expect(present.has(pair.replace(/-pair$/, ''))).toBe(true);
    expect(await docs.countDocuments({ writer: 3 })).toBeGreaterThan(0);
    await store.close();
  }, 180_000);
});
