import { randomUUID } from 'node:crypto';
import type { Subscription } from 'fhir/r4';
import { FhirError } from '../fhir/outcome';
import type { FhirContext } from '../fhir/request';
import { readResource } from '../fhir/repository/read';
import { updateResource } from '../fhir/repository/write';
import type { DocumentStore } from '../storage/port';
import { deliver, sendHeartbeat, type DeliveryDeps } from './delivery';
import { REGISTRY, type OutboxRow, type RegistryRow, type SubscriptionStatusCode } from './model';
import type { Outbox } from './outbox';
import type { Registry } from './registry';
import { retryDelay, type SubscriptionSettings } from './settings';

export interface WorkerDeps extends DeliveryDeps {
  store: DocumentStore;
  outbox: Outbox;
  registry: Registry;
  settings: SubscriptionSettings;
  /** The server's own context for Subscription status updates (request id WORKER_REQUEST_ID). */
  serverContext(): FhirContext;
  onError?(message: string): void;
}

const BATCH = 64;

/**
 * The delivery worker: claims due outbox rows (lease), delivers them in order per subscription,
 * retries with exponential back-off, and after SUBSCRIPTIONS_MAX_ATTEMPTS puts the subscription
 * in `error`. Runs on every instance; claims keep two instances from sending the same row.
 */
export class DeliveryWorker {
  private readonly owner = randomUUID();
  private timer?: NodeJS.Timeout;
  private refreshTimer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private readonly lastSent = new Map<string, number>();

  constructor(private readonly deps: WorkerDeps) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
    this.refreshTimer = setInterval(() => {
      this.deps.registry.refreshAll().catch(() => this.deps.onError?.('subscription registry refresh failed'));
      this.deps.outbox.purge(Date.now() - this.deps.settings.retentionMs).catch(() => this.deps.onError?.('subscription outbox purge failed'));
    }, this.deps.settings.refreshMs);
    this.refreshTimer.unref();
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.running;
  }

  /** One pass (tests call it to be independent of timers). */
  async runOnce(): Promise<void> {
    const due = await this.deps.outbox.due(Date.now(), BATCH);
    const bySubscription = new Map<string, OutboxRow[]>();
    for (const row of due) {
      const list = bySubscription.get(row.subscriptionId);
      if (list) list.push(row);
      else bySubscription.set(row.subscriptionId, [row]);
    }
    await Promise.all([...bySubscription.values()].map((rows) => this.drain(rows.sort((a, b) => a.seq - b.seq))));
    await this.heartbeats();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.runOnce()
      .catch(() => this.deps.onError?.('subscription delivery pass failed'))
      .finally(() => {
        this.running = undefined;
        const again = this.again;
        this.again = false;
        this.schedule(again ? 0 : this.deps.settings.pollMs);
      });
  }

  /** Delivers a subscription's due rows in order; stops at the first that must wait. */
  private async drain(rows: OutboxRow[]): Promise<void> {
    for (const row of rows) {
      const head = await this.deps.outbox.head(row.subscriptionId);
      if (head?._id !== row._id || head.version !== row.version) return;
      const claimed = await this.deps.outbox.claim(row, this.owner, this.deps.settings.leaseMs);
      if (!claimed || !(await this.process(claimed))) return;
    }
  }

  /** True when the row is settled (sent, cancelled or failed for good). */
  private async process(row: OutboxRow): Promise<boolean> {
    const { outbox, settings } = this.deps;
    const reg = await this.deps.store.collection<RegistryRow>(REGISTRY).findOne({ _id: row.subscriptionId });
    const wanted = row.kind === 'activate' ? 'requested' : 'active';
    if (!reg || reg.status !== wanted) {
      await outbox.finish(row, 'cancelled');
      return true;
    }
    try {
      await deliver(row, reg, this.deps);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'delivery failed';
      if (row.attempts + 1 >= settings.maxAttempts) {
        await outbox.finish(row, 'failed', message);
        this.deps.onError?.(`Subscription/${reg._id} set to error after ${row.attempts + 1} failed attempts (${message})`);
        await this.setStatus(reg._id, 'error', `Delivery failed ${row.attempts + 1} times; last error: ${message}`);
        return true;
      }
      await outbox.retryLater(row, Date.now() + retryDelay(settings, row.attempts + 1), message);
      return false;
    }
    this.lastSent.set(reg._id, Date.now());
    if (row.kind === 'activate') {
      // indexed here before the status is visible as active, so no write after it is missed
      // (an event matched before the commit is skipped: the registry row is not active yet)
      await this.deps.registry.put({ ...reg, status: 'active' }, reg._id);
      await this.setStatus(reg._id, 'active');
    }
    await outbox.finish(row, 'done');
    return true;
  }

  /** Writes the Subscription's new status (a new version), as the server. */
  private async setStatus(id: string, status: SubscriptionStatusCode, error?: string): Promise<void> {
    const ctx = this.deps.serverContext();
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const current = (await readResource(ctx, 'Subscription', id)).resource as Subscription;
        const next: Subscription = { ...current, status };
        if (error) next.error = error;
        else delete next.error;
        await updateResource(ctx, 'Subscription', id, next);
        return;
      } catch (e) {
        if (e instanceof FhirError && (e.status === 404 || e.status === 410)) return;
        if (!(e instanceof FhirError && e.status === 409) || attempt === 2) throw e;
      }
    }
  }

  /** Backport heartbeats for idle topic-based rest-hook subscriptions (best effort, not queued). */
  private async heartbeats(): Promise<void> {
    const now = Date.now();
    for (const id of this.deps.registry.index.ids()) {
      const reg = this.deps.registry.index.rowOf(id);
      if (!reg?.heartbeatSeconds || reg.kind !== 'topic' || reg.channel.type !== 'rest-hook') continue;
      const last = this.lastSent.get(id);
      if (last === undefined) this.lastSent.set(id, now);
      if (last === undefined || now - last < reg.heartbeatSeconds * 1000) continue;
      this.lastSent.set(id, now);
      await sendHeartbeat(reg, this.deps).catch(() => undefined);
    }
  }
}
