import type { FhirContext } from '../fhir/request';
import type { DocumentStore } from '../storage/port';
import { compileSubscriptionCriteria, type CompiledCriteria } from './criteria';
import { REGISTRY, type RegistryRow } from './model';
import { SubscriptionIndex } from './registry-index';

/**
 * This instance's view of the active subscriptions: loaded at start, updated at once for
 * Subscription writes made here, and reloaded every SUBSCRIPTIONS_REFRESH_MS for writes made by
 * other instances sharing the MongoDB database.
 */
export class Registry {
  readonly index = new SubscriptionIndex();
  private readonly loaded = new Map<string, number>();

  constructor(
    private readonly store: DocumentStore,
    private readonly ctx: () => FhirContext,
  ) {}

  async compile(row: RegistryRow): Promise<CompiledCriteria[]> {
    const out: CompiledCriteria[] = [];
    for (const [type, query] of Object.entries(row.filters)) out.push(await compileSubscriptionCriteria(this.ctx(), type, query, row.access));
    return out;
  }

  /** Indexes `row` when active, forgets it otherwise. */
  async put(row: RegistryRow | null, id: string): Promise<void> {
    if (!row || row.status !== 'active' || (row.endMs !== undefined && row.endMs <= Date.now())) {
      this.index.remove(id);
      this.loaded.delete(id);
      return;
    }
    // same definition as indexed: nothing to recompile (the event counter is read in the write's transaction)
    if (this.loaded.get(id) === row.updatedMs && this.index.has(id)) return;
    this.index.set(row, await this.compile(row));
    this.loaded.set(id, row.updatedMs);
  }

  async refreshOne(id: string): Promise<void> {
    await this.put(await this.store.collection<RegistryRow>(REGISTRY).findOne({ _id: id }), id);
  }

  /** Reloads every active subscription (start-up and periodic refresh). */
  async refreshAll(): Promise<void> {
    const rows = await this.store.collection<RegistryRow>(REGISTRY).find({ status: 'active' });
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row._id);
      try {
        await this.put(row, row._id);
      } catch {
        // criteria that no longer compile (definitions changed) are skipped, not fatal
        this.index.remove(row._id);
      }
    }
    for (const id of this.index.ids()) if (!seen.has(id)) await this.put(null, id);
  }
}
