import type { IndexSpec, StoredDocument } from '../storage/port';

/**
 * What the subscriptions subsystem keeps in the store, next to the Subscription resources:
 * - `subscription_registry`: one row per Subscription, written in the same transaction as the
 *   resource (what to match, where to deliver, the subscriber's access, the event counter);
 * - `subscription_outbox`: one row per notification to send, written in the same transaction as
 *   the write that caused it, then claimed and delivered by the worker (worker.ts).
 */
export const REGISTRY = 'subscription_registry';
export const OUTBOX = 'subscription_outbox';

export type SubscriptionStatusCode = 'requested' | 'active' | 'error' | 'off';
export type PayloadContent = 'empty' | 'id-only' | 'full-resource';

/** The subscriber's access, as granted when the Subscription was written (never a token). */
export interface StoredAccess {
  unrestricted: boolean;
  scope?: string;
  patient?: string;
  fhirUser?: string;
  clientId?: string;
}

export interface ChannelSpec {
  type: 'rest-hook' | 'websocket';
  endpoint?: string;
  /** `Name: value` lines, sent as given. */
  headers: string[];
  /** MIME type of the payload; absent = no body (R4: an empty POST). */
  payload?: string;
  content: PayloadContent;
}

export interface RegistryRow extends StoredDocument {
  status: SubscriptionStatusCode;
  /** R4 `criteria` search, or a Backport topic. */
  kind: 'criteria' | 'topic';
  /** The topic canonical (kind `topic`). */
  topic?: string;
  /** Search criteria per focus resource type: `Observation?code=x` → { Observation: 'code=x' }. */
  filters: Record<string, string>;
  channel: ChannelSpec;
  /** HMAC-SHA256 key chosen by the subscriber (extension on Subscription.channel). */
  secret?: string;
  access: StoredAccess;
  /** Events recorded so far (eventsSinceSubscriptionStart). */
  events: number;
  heartbeatSeconds?: number;
  /** Optional end of the subscription (Subscription.end), epoch ms. */
  endMs?: number;
  updatedMs: number;
}

export type OutboxKind = 'event' | 'handshake' | 'activate';
export type OutboxState = 'pending' | 'done' | 'failed' | 'cancelled';

export interface OutboxRow extends StoredDocument {
  subscriptionId: string;
  kind: OutboxKind;
  /** Delivery order within a subscription: the event number (0 for activation/handshake). */
  seq: number;
  state: OutboxState;
  /** When the row may next be attempted; a claim moves it forward by the lease. */
  dueMs: number;
  attempts: number;
  /** Optimistic-concurrency counter: each claim or outcome replaces the row at its version. */
  version: number;
  createdMs: number;
  /** The resource that triggered the event, at the version written. */
  focus?: { type: string; id: string; versionId: number; deleted?: boolean };
  /** Last delivery error (no patient data: status codes and network error names only). */
  lastError?: string;
  /** Who holds the lease (instance id), for diagnostics. */
  owner?: string;
}

/** Every query on these collections uses one of these (equality → sort → range). */
export const REGISTRY_INDEXES: IndexSpec[] = [{ keys: { status: 1 }, name: 'status' }];
export const OUTBOX_INDEXES: IndexSpec[] = [
  // due work: state equality, dueMs range and sort
  { keys: { state: 1, dueMs: 1 }, name: 'state_due' },
  // the head of a subscription's queue (ordering) and $events by number
  { keys: { subscriptionId: 1, state: 1, seq: 1 }, name: 'sub_state_seq' },
  { keys: { subscriptionId: 1, seq: 1 }, name: 'sub_seq' },
];

export function subscriptionIndexSpecs(collection: string): IndexSpec[] {
  if (collection === REGISTRY) return REGISTRY_INDEXES;
  if (collection === OUTBOX) return OUTBOX_INDEXES;
  return [];
}
