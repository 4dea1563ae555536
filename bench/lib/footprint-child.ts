/**
 * The measuring side of bench/footprint.ts, one process per phase so that each RSS figure is
 * that of a process holding the data and nothing else:
 *   load <dataDir> <count>  builds documents as the create interaction does (search index entries,
 *                           compartments, a history record) and stores them in transactions of 100
 *   reopen <dataDir>        opens the store from disk (timed), then measures memory and reads
 * Each prints one JSON line. Run with --expose-gc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Resource } from 'fhir/r4';
import { historyDocOf } from '../../src/fhir/repository/documents';
import type { LiveDocument } from '../../src/fhir/repository/write';
import { stampMeta } from '../../src/fhir/repository/prepare';
import { historyCollectionName, type ResourceDocument } from '../../src/fhir/resource-document';
import { indexResource } from '../../src/fhir/search/api';
import { ensureSearchIndexes, ensureStartupSearchIndexes } from '../../src/fhir/search/indexes';
import { openEmbeddedStore, type EmbeddedStore } from '../../src/storage/embedded/store';
import { syntheaResources } from './footprint-data';

const BATCH = 100;

function settledRss(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().rss;
}

/** RSS of this process with the modules loaded and an empty store open: the baseline. */
async function emptyStoreRss(): Promise<number> {
  const dir = mkdtempSync(path.join(tmpdir(), 'telefhir-footprint-empty-'));
  const store = await openEmbeddedStore({ dataDir: dir });
  await ensureStartupSearchIndexes(store);
  const rss = settledRss();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return rss;
}

function buildDocument(resource: Resource, at: Date): LiveDocument {
  const lastUpdated = at.toISOString();
  const stamped = stampMeta(resource, 1, lastUpdated);
  const { idx, compartments } = indexResource(stamped);
  return { _id: resource.id as string, versionId: 1, lastUpdated, lastUpdatedMs: at.getTime(), deleted: false, resource: stamped, idx, compartments };
}

async function load(dataDir: string, count: number): Promise<void> {
  const baseline = await emptyStoreRss();
  const store = await openEmbeddedStore({ dataDir });
  await ensureStartupSearchIndexes(store);
  let jsonBytes = 0;
  let batch: LiveDocument[] = [];
  const types = new Set<string>();
  const started = Date.now();
  const flush = async () => {
    for (const doc of batch) {
      if (!types.has(doc.resource.resourceType)) await ensureSearchIndexes(store, doc.resource.resourceType);
      types.add(doc.resource.resourceType);
    }
    await store.withTransaction(async (session) => {
      for (const doc of batch) {
        const history = historyDocOf(doc, 'POST');
        jsonBytes += Buffer.byteLength(JSON.stringify(doc)) + Buffer.byteLength(JSON.stringify(history));
        await store.collection<ResourceDocument>(doc.resource.resourceType).insertOne(doc, { session });
        await store.collection(historyCollectionName(doc.resource.resourceType)).insertOne(history, { session });
      }
    });
    batch = [];
  };
  for (const resource of syntheaResources(count)) {
    batch.push(buildDocument(resource, new Date()));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  const loadMs = Date.now() - started;
  const rss = settledRss();
  await store.close();
  console.log(JSON.stringify({ count, jsonBytes, loadMs, baseline, rss, types: types.size }));
}

/** Median microseconds of `rounds` reads by id as the read interaction does them (without `idx`). */
async function readLatency(store: EmbeddedStore, rounds: number): Promise<number> {
  const observations = store.collection<ResourceDocument>('Observation');
  const ids = (await observations.find({}, { limit: 5000, projection: { _id: 1 } })).map((d) => d._id);
  if (ids.length === 0) return Number.NaN;
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const id = ids[(i * 7919) % ids.length] as string;
    const t = process.hrtime.bigint();
    await observations.findOne({ _id: id }, { projection: { idx: 0 } });
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function reopen(dataDir: string): Promise<void> {
  const baseline = await emptyStoreRss();
  const started = process.hrtime.bigint();
  const store = await openEmbeddedStore({ dataDir });
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = settledRss();
  const { heapUsed } = process.memoryUsage();
  const readMicros = await readLatency(store, 5000);
  const rssAfterReads = settledRss(); // with the parse cache filled by the reads
  await store.close();
  console.log(JSON.stringify({ openMs, baseline, rss, heapUsed, readMicros, rssAfterReads }));
}

async function main(): Promise<void> {
  const [mode, dataDir, count] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: footprint-child load|reopen <dataDir> [count]');
  if (mode === 'load') await load(dataDir, Number(count));
  else if (mode === 'reopen') await reopen(dataDir);
  else throw new Error(`unknown mode ${mode}`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
