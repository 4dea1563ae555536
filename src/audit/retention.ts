import type { DocumentStore } from '../storage/port';
import { AUDIT_TYPE } from './writer';

const DAY_MS = 24 * 3600 * 1000;
/** Records deleted per round: each round is one indexed range read and one delete by id, then a yield. */
const CHUNK = 500;

/**
 * Deletes the audit records older than `days` (AUDIT_RETENTION_DAYS), oldest first, in chunks
 * found through the `lastUpdated` index (recorded time) and deleted by id, so neither the read
 * nor the delete scans a collection. (Records have no history documents: see writer.ts.) Returns how many records were deleted.
 */
export async function purgeAuditRecords(store: DocumentStore, days: number, now = Date.now()): Promise<number> {
  const cutoff = now - days * DAY_MS;
  const current = store.collection(AUDIT_TYPE);
  let deleted = 0;
  for (;;) {
    const old = await current.find({ lastUpdatedMs: { $lt: cutoff } }, { sort: { lastUpdatedMs: -1, _id: -1 }, limit: CHUNK, projection: { _id: 1 } });
    if (old.length === 0) return deleted;
    const ids = old.map((doc) => doc._id);
    deleted += await current.deleteMany({ _id: { $in: ids } });
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Runs the purge now and then every `everyMs`; returns a stop function. */
export function schedulePurge(store: DocumentStore, days: number, everyMs: number, onError: (error: unknown) => void): () => void {
  const run = () => void purgeAuditRecords(store, days).catch(onError);
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
