/**
 * Settings of the subscriptions subsystem, resolved once by the composition root from config.ts.
 * Every value has a default so that `subscriptionsModule()` works in tests without configuration.
 */
export interface SubscriptionSettings {
  /** SUBSCRIPTIONS_POLL_MS: how often the delivery worker looks for due notifications (200). */
  pollMs: number;
  /** SUBSCRIPTIONS_LEASE_MS: how long a claimed notification is reserved for one instance (30000). */
  leaseMs: number;
  /** SUBSCRIPTIONS_RETRY_BASE_MS: first retry delay, doubled on every failure (1000). */
  retryBaseMs: number;
  /** SUBSCRIPTIONS_RETRY_MAX_MS: longest delay between two attempts (300000). */
  retryMaxMs: number;
  /** SUBSCRIPTIONS_MAX_ATTEMPTS: attempts before the subscription is put in `error` (8). */
  maxAttempts: number;
  /** SUBSCRIPTIONS_TIMEOUT_MS: time limit of one delivery request (10000). */
  timeoutMs: number;
  /** SUBSCRIPTIONS_REFRESH_MS: how often an instance reloads the active subscriptions written by others (5000). */
  refreshMs: number;
  /**
   * SUBSCRIPTIONS_ALLOWED_ENDPOINTS: comma-separated URL prefixes a rest-hook endpoint must start
   * with; empty = any public address.
   */
  allowedEndpoints: string[];
  /**
   * SUBSCRIPTIONS_ALLOW_PRIVATE: deliver to loopback and private (RFC 1918, ULA) addresses. On by
   * default only when AUTH=off (local development). Link-local and cloud-metadata addresses are
   * always refused.
   */
  allowPrivate: boolean;
  /** SUBSCRIPTIONS_RETENTION_MS: how long settled notifications are kept for $events (604800000: 7 days). */
  retentionMs: number;
  /** Path of the websocket endpoint below the server root (/fhir/websocket). */
  websocketPath: string;
}

export const DEFAULT_SUBSCRIPTION_SETTINGS: SubscriptionSettings = Object.freeze({
  pollMs: 200,
  leaseMs: 30_000,
  retryBaseMs: 1000,
  retryMaxMs: 300_000,
  maxAttempts: 8,
  timeoutMs: 10_000,
  refreshMs: 5000,
  allowedEndpoints: [],
  allowPrivate: false,
  retentionMs: 7 * 24 * 3600 * 1000,
  websocketPath: '/fhir/websocket',
}) as SubscriptionSettings;

export function subscriptionSettings(over: Partial<SubscriptionSettings> = {}): SubscriptionSettings {
  return { ...DEFAULT_SUBSCRIPTION_SETTINGS, ...over };
}

/** Exponential back-off after `attempts` failures, capped. */
export function retryDelay(settings: SubscriptionSettings, attempts: number): number {
  return Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

/** The settings from the validated server configuration (src/config.ts). */
export function settingsFromConfig(config: {
  subscriptionsPollMs: number;
  subscriptionsLeaseMs: number;
  subscriptionsRetryBaseMs: number;
  subscriptionsRetryMaxMs: number;
  subscriptionsMaxAttempts: number;
  subscriptionsTimeoutMs: number;
  subscriptionsRefreshMs: number;
  subscriptionsAllowedEndpoints: string[];
  subscriptionsAllowPrivate: boolean;
  subscriptionsRetentionMs: number;
}): Partial<SubscriptionSettings> {
  return {
    pollMs: config.subscriptionsPollMs,
    leaseMs: config.subscriptionsLeaseMs,
    retryBaseMs: config.subscriptionsRetryBaseMs,
    retryMaxMs: config.subscriptionsRetryMaxMs,
    maxAttempts: config.subscriptionsMaxAttempts,
    timeoutMs: config.subscriptionsTimeoutMs,
    refreshMs: config.subscriptionsRefreshMs,
    allowedEndpoints: config.subscriptionsAllowedEndpoints,
    allowPrivate: config.subscriptionsAllowPrivate,
    retentionMs: config.subscriptionsRetentionMs,
  };
}
