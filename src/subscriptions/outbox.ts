import type { DocumentCollection, DocumentStore } from '../storage/port';
import { OUTBOX, type OutboxRow, type OutboxState } from './model';

/**
 * The outbox's store operations, each answered from an index of model.ts. Claims are
 * optimistic replacements at the row's version: of several instances racing for a row, one
 * wins; the row stays `pending` with its due time moved past the lease, so a crashed instance's
 * claim simply expires and the row is delivered again (at-least-once).
 */
export class Outbox {
  private readonly rows: DocumentCollection<OutboxRow>;

  constructor(store: DocumentStore) {
    this.rows = store.collection<OutboxRow>(OUTBOX);
  }

  due(now: number, limit: number): Promise<OutboxRow[]> {
    return this.rows.find({ state: 'pending', dueMs: { $lte: now } }, { sort: { dueMs: 1 }, limit });
  }

  /** The pending row that must go first for this subscription (per-subscription order). */
  head(subscriptionId: string): Promise<OutboxRow | null> {
    return this.rows.findOne({ subscriptionId, state: 'pending' }, { sort: { seq: 1 } });
  }

  async claim(row: OutboxRow, owner: string, leaseMs: number): Promise<OutboxRow | undefined> {
    const claimed: OutboxRow = { ...row, version: row.version + 1, dueMs: Date.now() + leaseMs, owner };
    const { matchedCount } = await this.rows.replaceOne({ _id: row._id, version: row.version }, claimed);
    return matchedCount === 1 ? claimed : undefined;
  }

  async finish(row: OutboxRow, state: Exclude<OutboxState, 'pending'>, lastError?: string): Promise<void> {
    // a settled row's due time is when it settled (the retention purge counts from it)
    const done: OutboxRow = { ...row, state, dueMs: Date.now(), version: row.version + 1, attempts: row.attempts + (state === 'cancelled' ? 0 : 1) };
    if (lastError) done.lastError = lastError;
    delete done.owner;
    await this.rows.replaceOne({ _id: row._id, version: row.version }, done);
  }

  async retryLater(row: OutboxRow, dueMs: number, lastError: string): Promise<void> {
    const next: OutboxRow = { ...row, attempts: row.attempts + 1, dueMs, lastError, version: row.version + 1 };
    delete next.owner;
    await this.rows.replaceOne({ _id: row._id, version: row.version }, next);
  }

  /** Forgets settled rows (sent, cancelled, failed) whose last due time is before `cutoff`. */
  purge(cutoff: number): Promise<number> {
    return this.rows.deleteMany({ state: { $in: ['done', 'cancelled', 'failed'] }, dueMs: { $lt: cutoff } });
  }

  /** Recorded events of a subscription with numbers in [from, to] ($events). */
  events(subscriptionId: string, from: number, to: number, limit: number): Promise<OutboxRow[]> {
    return this.rows.find({ subscriptionId, seq: { $gte: from, $lte: to } }, { sort: { seq: 1 }, limit });
  }
}
