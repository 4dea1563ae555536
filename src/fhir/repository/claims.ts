import { createHash } from 'node:crypto';
import { DuplicateKeyError, TransactionConflictError, type DocumentStore, type StoredDocument, type TxSession } from '../../storage/port';
import { resourceTypeNames } from '../definitions/resource-types';
import { historyCollectionName } from '../resource-document';

/**
 * Uniqueness claims: the serialisation point of conditional create (If-None-Exist, Bundle
 * ifNoneExist) and of RPM identifier de-duplication.
 *
 * The match itself is decided by a search run INSIDE the write's transaction. On the embedded
 * engine writers are serialised, so that alone is atomic. On MongoDB each transaction reads its
 * own snapshot: two concurrent creates with the same criteria would both see no match and both
 * commit. So each also upserts one claim document whose `_id` is the type + normalised criteria
 * (or identifier): two transactions writing the same document conflict (WriteConflict,
 * TransientTransactionError), the loser is run again on a fresh snapshot, finds the winner's
 * resource and answers as for any match (200, or 412 when several match).
 *
 * A claim never decides an answer by itself, so it cannot go stale in a harmful way: when the
 * claimed resource is deleted or changed so that it no longer matches, the next create's
 * search finds nothing and its upsert simply takes the claim over. Claims are small (a hash and
 * a resource id) and are kept; one per distinct criteria or identifier.
 */
export const CLAIMS_COLLECTION = 'uniqueness_claims';

export interface ClaimDocument extends StoredDocument {
  resourceType: string;
  resourceId: string;
  claimedMs: number;
}

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

/** `Patient?…` criteria, order- and whitespace-insensitive: `b=2&a=1` and `a=1&b=2` are one claim. */
export function criteriaClaimKey(type: string, criteria: ReadonlyArray<readonly [string, string]>): string {
  const pairs = criteria.map(([name, value]) => `${encodeURIComponent(name.trim())}=${encodeURIComponent(value.trim())}`).sort();
  return `${type}?${digest(pairs.join('&'))}`;
}

/** `Observation` identifier `system|value`. */
export function identifierClaimKey(type: string, system: string, value: string): string {
  return `${type}|identifier|${digest(`${system}|${value}`)}`;
}

/** Writes (or takes over) claim `key` for `type/id` in `session`; a concurrent taker makes the transaction retry. */
export async function writeClaim(store: DocumentStore, key: string, type: string, id: string, session: TxSession): Promise<void> {
  const claim: ClaimDocument = { _id: key, resourceType: type, resourceId: id, claimedMs: Date.now() };
  try {
    await store.collection<ClaimDocument>(CLAIMS_COLLECTION).replaceOne({ _id: key }, claim, { upsert: true, session });
  } catch (error) {
    // a concurrent transaction inserted the same claim and committed first
    if (error instanceof DuplicateKeyError) throw new TransactionConflictError(`claim ${key} was taken concurrently`);
    throw error;
  }
}

/** Every collection the FHIR layer writes in transactions: created at start-up, never inside one. */
export function fhirCollectionNames(): string[] {
  return [...resourceTypeNames().flatMap((type) => [type, historyCollectionName(type)]), CLAIMS_COLLECTION];
}

export function ensureFhirCollections(store: DocumentStore): Promise<void> {
  return store.ensureCollections(fhirCollectionNames());
}
