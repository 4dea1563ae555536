import { createHash } from 'node:crypto';
import type { Reference, Resource } from 'fhir/r4';
import { UNRESTRICTED } from '../fhir/access/context';
import type { FhirContext } from '../fhir/request';
import { findCurrent } from '../fhir/repository/documents';
import { TransactionConflictError, type TxSession } from '../storage/port';
import { conflict } from '../fhir/outcome';

/**
 * The context for writes the server does on its own behalf (an Encounter opened by a visit, a
 * Flag raised by a reading): the caller's scopes allowed the triggering write, not these.
 * Joins `session` (or the caller's running transaction) so that everything commits together.
 */
export function serverContext(ctx: FhirContext, session?: TxSession): FhirContext {
  return { ...ctx, access: UNRESTRICTED, session: session ?? ctx.session };
}

/** `Type/id` of a relative literal reference (absolute URLs on our base too); undefined otherwise. */
export function parseReference(reference: Reference | undefined, baseUrl: string): { type: string; id: string } | undefined {
  let ref = reference?.reference;
  if (typeof ref !== 'string') return undefined;
  if (ref.startsWith(`${baseUrl}/`)) ref = ref.slice(baseUrl.length + 1);
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/.exec(ref);
  return match ? { type: match[1] as string, id: match[2] as string } : undefined;
}

/** The live resource `type/id` (joining ctx.session), or undefined when missing or deleted. */
export async function loadLive<T extends Resource>(ctx: FhirContext, type: string, id: string): Promise<T | undefined> {
  const doc = await findCurrent(ctx, type, id, ctx.session);
  return doc && !doc.deleted && doc.resource ? (doc.resource as T) : undefined;
}

/**
 * A stable id derived from another resource's id, so that a derived resource (the Flag of a
 * reading, the Encounter of a visit) is written with PUT and never duplicated. Ids stay within
 * FHIR's 64 characters.
 */
export function derivedId(prefix: string, ...parts: string[]): string {
  const plain = `${prefix}-${parts.join('-')}`;
  if (plain.length <= 64 && /^[A-Za-z0-9\-.]+$/.test(plain)) return plain;
  return `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40)}`;
}

/**
 * Runs `work` atomically: inside the caller's running transaction (a transaction Bundle) or a new
 * one. A write conflict the store could not resolve is a 409 the client may retry.
 */
export async function atomically<R>(ctx: FhirContext, work: (tx: FhirContext) => Promise<R>): Promise<R> {
  if (ctx.session) return work(ctx);
  try {
    return await ctx.store.withTransaction((session) => work({ ...ctx, session }));
  } catch (error) {
    if (error instanceof TransactionConflictError) throw conflict('A concurrent request changed the same resources; retry');
    throw error;
  }
}
