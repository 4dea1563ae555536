import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Journal } from '../../src/storage/embedded/journal';
import { decodeLine, encodeLine } from '../../src/storage/embedded/lines';
import { openEmbeddedStore } from '../../src/storage/embedded/store';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'telefhir-journal-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('line format', () => {
  it('round-trips and rejects damaged lines', () => {
    const line = encodeLine('{"o":[]}');
    expect(line.endsWith('\n')).toBe(true);
    expect(decodeLine(line.slice(0, -1))).toEqual({ o: [] });
    expect(decodeLine(line.slice(0, -1).replace('[]', '[1]'))).toBeUndefined();
    expect(decodeLine('garbage')).toBeUndefined();
    expect(decodeLine(line.slice(0, 12))).toBeUndefined();
  });
});

describe('journal', () => {
  it('writes appended lines in order and counts flushes', async () => {
    const file = path.join(dir, 'ok.jsonl');
    const counters = { records: 0, flushes: 0 };
    const journal = new Journal(openSync(file, 'a'), undefined, [dir], () => undefined, counters);
    await Promise.all(['a', 'b', 'c'].map((x) => journal.append(`${x}\n`)));
    await journal.append('d\n');
    await journal.close();
    expect(readFileSync(file, 'utf8')).toBe('a\nb\nc\nd\n');
    expect(counters).toEqual({ records: 4, flushes: 2 });
  });

  it('after a failed write it rejects the batch and every later append, and reports once', async () => {
    const file = path.join(dir, 'ro.jsonl');
    writeFileSync(file, '');
    const failures: Error[] = [];
    const journal = new Journal(openSync(file, 'r'), undefined, [], (e) => failures.push(e));
    await expect(journal.append('x\n')).rejects.toThrow(/journal write failed/);
    await expect(journal.append('y\n')).rejects.toThrow(/journal write failed/);
    expect(failures).toHaveLength(1);
    await expect(journal.drain()).rejects.toThrow(/journal write failed/);
  });
});

describe('a store whose journal fails', () => {
  it('stops acknowledging writes and reports itself unhealthy', async () => {
    const dataDir = mkdtempSync(path.join(dir, 'store-'));
    const store = await openEmbeddedStore({ dataDir });
    const c = store.collection('X');
    await c.insertOne({ _id: 'before' });
    // pull the file out from under the engine: the next write cannot be made durable
    const journal = (store as unknown as { engine: { journal: { fd: number } } }).engine.journal;
    closeSync(journal.fd);
    journal.fd = openSync(path.join(dataDir, 'db', 'journal-0.jsonl'), 'r'); // read-only: writes fail
    await expect(c.insertOne({ _id: 'lost' })).rejects.toThrow(/journal write failed/);
    await expect(c.insertOne({ _id: 'later' })).rejects.toThrow(/journal write failed/);
    await expect(store.withTransaction(async () => 1)).rejects.toThrow(/journal write failed/);
    await expect(c.find({})).rejects.toThrow(/journal write failed/);
    await expect(store.ping()).rejects.toThrow(/journal write failed/);
    await store.close();
    const reopened = await openEmbeddedStore({ dataDir });
    expect((await reopened.collection('X').find({})).map((d) => d._id)).toEqual(['before']);
    await reopened.close();
  });
});
