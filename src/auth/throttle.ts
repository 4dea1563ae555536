import { setTimeout as sleep } from 'node:timers/promises';
import { DuplicateKeyError, type DocumentCollection, type StoredDocument } from '../storage/port';
import { sha256 } from './crypto';
import { OAuthError } from './errors';

/**
 * Throttling of password and client-secret guesses (sign-in page, token, introspection and
 * revocation endpoints), per account (user or client) and per network address:
 * - every failure is counted on both keys for a sliding window (`windowMs` after the last one);
 * - past a few free failures each further one is answered after a growing delay (doubling from
 *   `delayMs`, capped at 16 × `delayMs`);
 * - at `maxFailures` the key is locked: every attempt, even with the right password, is refused
 *   with 429 and Retry-After until the window ends; a success resets the account's counter.
 * Counters are kept for any name, known or not, under a hash of it: an unknown user is answered
 * exactly like a known one (same page, same delays, same lock). They live in the store
 * (`auth_throttle`, expiry field indexed and purged), so every instance on one store shares them;
 * increments are compare-and-set, so concurrent failures are never lost.
 */
export interface ThrottleDoc extends StoredDocument {
  failures: number;
  /** The window ends (and the counter restarts) at this instant (epoch ms). */
  expiresAt: number;
}

export interface ThrottleSettings {
  /**
   * Reverse proxies in front of the server that append the peer address to X-Forwarded-For:
   * the client is the address that many entries from the right (0: the TCP peer, header ignored).
   */
  trustedProxyHops: number;
  /** Failures per user or client before the lock. */
  maxFailures: number;
  /** Failures per network address (every account together) before the lock. */
  addressMaxFailures: number;
  windowMs: number;
  /** First delay; 0 disables delays (locks still apply). */
  delayMs: number;
}

/** Refused before checking the credentials: answered 429 with Retry-After. */
export class TooManyAttempts extends OAuthError {
  constructor(readonly retryAfterSeconds: number) {
    super('temporarily_unavailable', `Too many failed attempts; try again in ${retryAfterSeconds} s`, 429);
  }
}

type Kind = 'account' | 'address';

/** Failures a key may have before delays start: about a third of its limit. */
const freeFailures = (max: number) => Math.max(1, Math.ceil(max * 0.3));

/** The delay after the `failures`-th failure on a key limited to `max` (pure; 0 while free). */
export function delayAfter(failures: number, max: number, delayMs: number): number {
  const beyond = failures - freeFailures(max);
  if (beyond <= 0 || delayMs <= 0) return 0;
  return Math.min(delayMs * 2 ** Math.min(beyond - 1, 4), delayMs * 16);
}

const CAS_ATTEMPTS = 8;

/**
 * The address a request comes from: the TCP peer, or behind `hops` trusted proxies the entry of
 * X-Forwarded-For that the outermost trusted proxy saw (entries further left are client-written).
 */
export function clientAddress(peer: string | undefined, forwarded: string | string[] | undefined, hops: number): string {
  const chain = [...(Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(','), peer ?? '']
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (chain.length === 0) return 'unknown';
  return (chain[Math.max(0, chain.length - 1 - hops)] as string).replace(/^::ffff:/, '');
}

export class CredentialThrottle {
  constructor(
    private readonly collection: DocumentCollection<ThrottleDoc>,
    readonly settings: ThrottleSettings,
    private readonly now: () => number,
  ) {}

  /** The guard of one request. */
  guard(req: { socket: { remoteAddress?: string }; headers: Record<string, string | string[] | undefined> }): AttemptGuard {
    return new AttemptGuard(this, `a:${clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.settings.trustedProxyHops)}`);
  }

  max(kind: Kind): number {
    return kind === 'account' ? this.settings.maxFailures : this.settings.addressMaxFailures;
  }

  /** The live counter of a key, or undefined. */
  async current(id: string): Promise<ThrottleDoc | undefined> {
    const doc = await this.collection.findOne({ _id: id });
    return doc && doc.expiresAt > this.now() ? doc : undefined;
  }

  /** Counts one failure (compare-and-set: concurrent failures are all counted); the new count. */
  async countFailure(id: string): Promise<number> {
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const now = this.now();
      const doc = await this.collection.findOne({ _id: id });
      const failures = doc && doc.expiresAt > now ? doc.failures + 1 : 1;
      const next: ThrottleDoc = { _id: id, failures, expiresAt: now + this.settings.windowMs };
      if (!doc) {
        try {
          await this.collection.insertOne(next);
          return failures;
        } catch (error) {
          if (error instanceof DuplicateKeyError) continue;
          throw error;
        }
      }
      const swapped = await this.collection.replaceOne({ _id: id, failures: doc.failures, expiresAt: doc.expiresAt }, next);
      if (swapped.matchedCount === 1) return failures;
    }
    // heavy contention on one key: an attack in progress, count it as at the limit
    return Number.MAX_SAFE_INTEGER;
  }

  async reset(id: string): Promise<void> {
    await this.collection.deleteOne({ _id: id });
  }

  retryAfterSeconds(doc: ThrottleDoc): number {
    return Math.max(1, Math.ceil((doc.expiresAt - this.now()) / 1000));
  }
}

/**
 * One request's view: `before` refuses a locked account or address, `failed` counts and waits,
 * `succeeded` resets the account (a store write only when it had failures).
 */
export class AttemptGuard {
  private readonly seen = new Set<string>();

  constructor(
    private readonly throttle: CredentialThrottle,
    private readonly addressKey: string,
  ) {}

  static userKey(username: string): string {
    return `u:${sha256(username.normalize('NFKC').toLowerCase())}`;
  }

  static clientKey(clientId: string): string {
    return `c:${sha256(clientId)}`;
  }

  async before(accountKey: string): Promise<void> {
    const [account, address] = await Promise.all([this.throttle.current(accountKey), this.throttle.current(this.addressKey)]);
    if (account) this.seen.add(accountKey);
    for (const [doc, kind] of [
      [account, 'account'],
      [address, 'address'],
    ] as const) {
      if (doc && doc.failures >= this.throttle.max(kind)) throw new TooManyAttempts(this.throttle.retryAfterSeconds(doc));
    }
  }

  async failed(accountKey: string): Promise<void> {
    const [account, address] = await Promise.all([this.throttle.countFailure(accountKey), this.throttle.countFailure(this.addressKey)]);
    const { delayMs } = this.throttle.settings;
    const wait = Math.max(delayAfter(account, this.throttle.max('account'), delayMs), delayAfter(address, this.throttle.max('address'), delayMs));
    if (wait > 0) await sleep(wait);
  }

  async succeeded(accountKey: string): Promise<void> {
    if (this.seen.has(accountKey)) await this.throttle.reset(accountKey);
  }
}
