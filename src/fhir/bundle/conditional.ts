import { randomUUID } from 'node:crypto';
import { badRequest, FhirError, issue } from '../outcome';
import type { FhirContext } from '../request';
import { findMatches } from '../search/api';
import type { PlannedEntry } from './parse';
import { transactionFailure } from './response';
import { fullUrlTypeAndId, rewriteQuery, rewriteQueryString, type ReferenceMap } from './references';

/**
 * Identity resolution of a transaction before any entry runs: new ids for creates, the targets of
 * conditional create/update/patch/delete, and the check that no two writes touch one resource.
 */

/** Pre-assigns ids to POST entries and maps their fullUrl (urn:uuid:, urn:oid:, absolute) to them. */
export function assignPlaceholders(entries: readonly PlannedEntry[], map: ReferenceMap): void {
  for (const entry of entries) {
    if (!entry.create) continue;
    const type = resourceTypeOf(entry);
    entry.request.assignedId = newId();
    entry.id = entry.request.assignedId;
    if (entry.fullUrl) map.set(entry.fullUrl, `${type}/${entry.id}`);
  }
}

/** Maps the fullUrl of PUT entries to the resource they write, once their target is known. */
export function mapUpdateFullUrls(entries: readonly PlannedEntry[], map: ReferenceMap): void {
  for (const entry of entries) {
    if (entry.method !== 'PUT' || !entry.fullUrl || !entry.id || entry.conditional) continue;
    const type = resourceTypeOf(entry);
    const named = fullUrlTypeAndId(entry.fullUrl);
    // An absolute fullUrl naming another resource than the url is a contradiction, not a link.
    if (named && (named.type !== type || named.id !== entry.id) && !entry.fullUrl.startsWith('urn:')) {
      throw badRequest(`Bundle.entry[${entry.index}].fullUrl ${entry.fullUrl} does not match request.url`, [
        `Bundle.entry[${entry.index}].fullUrl`,
      ]);
    }
    map.set(entry.fullUrl, `${type}/${entry.id}`);
  }
}

/**
 * Resolves conditional create (If-None-Exist), update, patch and delete against the store state
 * at the start of the transaction, turning matched conditional urls into `Type/id` requests.
 * Placeholders inside the search values are rewritten first.
 */
export async function resolveConditionalTargets(
  entries: readonly PlannedEntry[],
  map: ReferenceMap,
  ctx: FhirContext,
): Promise<void> {
  for (const entry of entries) {
    try {
      await resolveTarget(entry, map, ctx);
    } catch (error) {
      // e.g. an unknown search parameter in the condition: name the entry it came from
      if (error instanceof FhirError && !error.issues.some((i) => i.expression?.some((e) => e.startsWith('Bundle.')))) {
        throw transactionFailure(entry.index, entry.method, entry.request.path, error);
      }
      throw error;
    }
  }
}

async function resolveTarget(entry: PlannedEntry, map: ReferenceMap, ctx: FhirContext): Promise<void> {
  const type = entry.resourceType;
  if (!type) return;
  const at = `Bundle.entry[${entry.index}]`;
  if (entry.create) {
    const condition = entry.request.headers['if-none-exist'];
    if (!condition) return;
    const rewritten = rewriteQueryString(condition.replace(/^.*\?/, ''), map);
    entry.request.headers['if-none-exist'] = rewritten;
    const matches = await findMatches(type, [...new URLSearchParams(rewritten)], ctx, 2);
    if (matches.length > 1) throw ambiguous(at, `If-None-Exist matches more than one ${type}`);
    const existing = matches[0];
    if (existing) {
      entry.id = existing._id;
      if (entry.fullUrl) map.set(entry.fullUrl, `${type}/${existing._id}`);
    }
    return;
  }
  if (!entry.conditional) return;
  rewriteQuery(entry.request.query, map);
  const matches = await findMatches(type, entry.request.query, ctx, 2);
  if (matches.length > 1) {
    if (entry.method === 'DELETE') return; // the delete interaction decides (412 or multiple delete)
    throw ambiguous(at, `conditional ${entry.method} ${type}?… matches more than one resource`);
  }
  const target = matches[0]?._id;
  if (entry.method === 'PUT') retargetUpdate(entry, type, target);
  else if (target) retarget(entry, type, target);
  if (entry.fullUrl && entry.id) map.set(entry.fullUrl, `${type}/${entry.id}`);
}

/** Conditional update: 1 match → update it; 0 → create with the body's id or a new one. */
function retargetUpdate(entry: PlannedEntry, type: string, target: string | undefined): void {
  const body = entry.request.body as { id?: string } | undefined;
  if (!body || typeof body !== 'object') return;
  if (target && body.id !== undefined && body.id !== target) {
    throw badRequest(
      `Bundle.entry[${entry.index}]: resource id ${body.id} differs from the id ${target} matched by the conditional update`,
      [`Bundle.entry[${entry.index}].resource.id`],
    );
  }
  const id = target ?? body.id ?? newId();
  body.id = id;
  retarget(entry, type, id);
}

function retarget(entry: PlannedEntry, type: string, id: string): void {
  entry.request.path = `${type}/${id}`;
  entry.request.query = [];
  entry.id = id;
  entry.conditional = false;
}

/** "If any resource identities (including resolved identities from conditional update/delete) overlap ... the transaction SHALL fail." */
export function assertNoOverlap(entries: readonly PlannedEntry[]): void {
  const seen = new Map<string, number>();
  const conditions = new Map<string, number>();
  for (const entry of entries) {
    if (entry.method === 'GET' || entry.method === 'HEAD' || (entry.method === 'POST' && !entry.create)) continue;
    const type = entry.resourceType;
    if (entry.create && type) {
      const condition = entry.request.headers['if-none-exist'];
      if (condition) claim(conditions, `${type}?${condition}`, entry.index);
    }
    if (!type || !entry.id || entry.conditional) continue;
    claim(seen, `${type}/${entry.id}`, entry.index);
  }
}

function claim(seen: Map<string, number>, key: string, index: number): void {
  const previous = seen.get(key);
  if (previous !== undefined) {
    throw badRequest(
      `Bundle.entry[${previous}] and Bundle.entry[${index}] both write ${key}; a transaction may touch a resource only once`,
      [`Bundle.entry[${previous}]`, `Bundle.entry[${index}]`],
    );
  }
  seen.set(key, index);
}

/**
 * Resolves a conditional reference `Type?search` to exactly one resource
 * (hl7.org/fhir/R4/http.html#trules): none or several is a failure (412).
 */
export async function resolveConditionalReference(
  reference: string,
  map: ReferenceMap,
  ctx: FhirContext,
  cache: Map<string, string>,
): Promise<string> {
  const cached = cache.get(reference);
  if (cached !== undefined) return cached;
  const q = reference.indexOf('?');
  const type = reference.slice(0, q);
  const query: Array<[string, string]> = [...new URLSearchParams(reference.slice(q + 1))];
  rewriteQuery(query, map);
  const matches = await findMatches(type, query, ctx, 2);
  if (matches.length !== 1) {
    throw new FhirError(412, [
      {
        severity: 'error',
        code: matches.length === 0 ? 'not-found' : 'multiple-matches',
        diagnostics: `Conditional reference ${reference} matches ${matches.length === 0 ? 'no' : 'more than one'} resource`,
      },
    ]);
  }
  const resolved = `${type}/${(matches[0] as { _id: string })._id}`;
  cache.set(reference, resolved);
  return resolved;
}

function resourceTypeOf(entry: PlannedEntry): string {
  const type = entry.resourceType ?? (entry.request.body as { resourceType?: string } | undefined)?.resourceType;
  if (!type) throw badRequest(`Bundle.entry[${entry.index}]: cannot tell the resource type`, [`Bundle.entry[${entry.index}]`]);
  return type;
}

function ambiguous(at: string, message: string): FhirError {
  return new FhirError(412, [issue('error', 'multiple-matches', `${at}: ${message}`, [at])]);
}

/** Server-assigned logical ids: random, URL-safe, within the 64-character id limit. */
export function newId(): string {
  return randomUUID();
}
