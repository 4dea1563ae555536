import { openEmbeddedStore } from '../../src/storage/embedded/store';

/**
 * Spawned by durability.test.ts and snapshots.test.ts: writes as fast as it can from several
 * concurrent writers and prints `ack <id>` once each write is acknowledged. The parent kills it
 * with SIGKILL. Every odd write is a transaction of two documents (`<id>` and `<id>-pair`).
 * Mode `compacting` first stores PRELOADED larger documents, then writes snapshots back to back
 * while the writers run, so that the kill lands while a snapshot is being written.
 */
const PRELOADED = 20000;

async function preload(store: Awaited<ReturnType<typeof openEmbeddedStore>>): Promise<void> {
  const docs = store.collection('Preloaded');
  for (let batch = 0; batch < PRELOADED / 500; batch++) {
    await store.withTransaction(async (session) => {
      for (let i = 0; i < 500; i++) await docs.insertOne({ _id: `p${batch * 500 + i}`, payload: 'z'.repeat(2000) } as never, { session });
    });
  }
}

async function main(): Promise<void> {
  const dataDir = process.argv[2] as string;
  const compacting = process.argv[3] === 'compacting';
  const store = await openEmbeddedStore({ dataDir, compactAfterBytes: compacting ? 1 << 30 : 64 * 1024 });
  const docs = store.collection('Crash');
  const pairs = store.collection('CrashPair');
  await docs.createIndex({ keys: { writer: 1 } });
  if (compacting) {
    await preload(store);
    const again = (): Promise<void> => store.compact().then(again);
    again().catch(() => undefined);
  }
  let next = 0;
  const writer = async (w: number) => {
    for (;;) {
      const n = next++;
      const id = `w${w}-${n}`;
      if (n % 2 === 0) {
        await docs.insertOne({ _id: id, writer: w, payload: 'x'.repeat(200) } as never);
      } else {
        await store.withTransaction(async (session) => {
          await docs.insertOne({ _id: id, writer: w } as never, { session });
          await pairs.insertOne({ _id: `${id}-pair` }, { session });
        });
      }
      process.stdout.write(`ack ${id}\n`);
    }
  };
  process.stdout.write('ready\n');
  await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map(writer));
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
