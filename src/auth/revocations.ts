import type { AuthLogger } from './config';
import type { AuthCollections } from './model';

/**
 * Clocks of instances sharing a store may disagree by up to this much (and a revocation write
 * may be this slow to land): every poll looks back this far before its previous start.
 */
const POLL_LOOKBACK_MS = 60_000;

/**
 * Revoked access-token ids (`j:<jti>`) and grants (`g:<gid>`), known in memory so that checking
 * a bearer token costs two map lookups instead of a store query.
 *
 * - The store (`auth_revocations`) stays the source of truth: revocations survive restarts and
 *   are loaded at start.
 * - The instance that revokes knows at once (`remember` runs before the store write).
 * - Other instances on the same store learn by polling one indexed query every `pollMs`
 *   ("revoked since my previous poll, minus a look-back").
 * - Guarantee: a token revoked at time t is refused everywhere from t + 2 × pollMs on. When the
 *   last successful poll started longer ago than that (store slow or unreachable, event loop
 *   stalled, clock moved back), `isRevoked` asks the store directly, as it did before caching.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();
  /** config.now() when the last successful load or poll started. */
  private currentAsOf: number | undefined;
  private polling = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly collections: AuthCollections,
    readonly pollMs: number,
    private readonly now: () => number,
    private readonly logger: AuthLogger,
  ) {}

  /** The longest a revocation made elsewhere can go unnoticed here. */
  get maxDelayMs(): number {
    return 2 * this.pollMs;
  }

  /** Loads every revocation that still matters (its tokens have not expired yet). */
  async load(): Promise<void> {
    const startedAt = this.now();
    const docs = await this.collections.revoked.find({ expiresAt: { $gt: startedAt } });
    for (const doc of docs) this.remember(doc._id, doc.expiresAt);
    this.currentAsOf = startedAt;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One indexed query (`revokedAt` ≥ previous start − look-back); never two at once. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    const startedAt = this.now();
    try {
      const since = (this.currentAsOf ?? startedAt) - POLL_LOOKBACK_MS;
      const docs = await this.collections.revoked.find({ revokedAt: { $gte: since } });
      for (const doc of docs) this.remember(doc._id, doc.expiresAt);
      for (const [id, expiresAt] of this.revoked) if (expiresAt <= startedAt) this.revoked.delete(id);
      this.currentAsOf = startedAt;
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'polling token revocations failed; checking the store per request');
    } finally {
      this.polling = false;
    }
  }

  /** Marks a token id or grant as revoked on this instance, at once. */
  remember(id: string, expiresAt: number): void {
    this.revoked.set(id, Math.max(expiresAt, this.revoked.get(id) ?? 0));
  }

  async isRevoked(jti: string, gid: string): Promise<boolean> {
    const ids = [`j:${jti}`, `g:${gid}`];
    if (ids.some((id) => this.revoked.has(id))) return true;
    const age = this.now() - (this.currentAsOf ?? Number.NEGATIVE_INFINITY);
    if (age >= 0 && age <= this.maxDelayMs) return false;
    const doc = await this.collections.revoked.findOne({ _id: { $in: ids } });
    if (doc) this.remember(doc._id, doc.expiresAt);
    return doc !== null;
  }
}
