import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';
import { TransactionConflictError } from '../../storage/port';
import { conflict, FhirError } from '../outcome';
import { isResourceType } from '../definitions/resource-types';
import { limitsOf } from '../limits';
import { ensureSearchIndexes } from '../search/api';
import { fhirErrorOfStore } from '../store-errors';
import type { FhirContext, FhirRequest, FhirResponse } from '../request';
import { assertNoOverlap, assignPlaceholders, mapUpdateFullUrls, resolveConditionalTargets } from './conditional';
import { transactionOrder } from './order';
import { OutputBudget, yieldToEventLoop } from './output-budget';
import { parseBundle, type ParsedBundle, type PlannedEntry } from './parse';
import { prepareEntry } from './prepare';
import type { ReferenceMap } from './references';
import { errorEntry, internalErrorEntry, successEntry, transactionFailure } from './response';

/** Runs one entry's FhirRequest: the very dispatch the HTTP layer uses. */
export type EntryRunner = (req: FhirRequest, ctx: FhirContext) => Promise<FhirResponse>;

/** POST [base] with a batch or transaction Bundle (hl7.org/fhir/R4/http.html#transaction). */
export async function processBundle(req: FhirRequest, ctx: FhirContext, run: EntryRunner): Promise<FhirResponse> {
  const { baseUrl, maxBundleEntries } = ctx.settings;
  const prefer = req.headers['prefer'];
  const parse = (body: unknown): ParsedBundle => {
    const parsed = parseBundle(body, baseUrl, maxBundleEntries);
    if (prefer) for (const entry of parsed.entries) entry.request.headers['prefer'] = prefer;
    return parsed;
  };
  const first = parse(req.body);
  const bundle = first.kind === 'batch' ? await runBatch(first, ctx, run) : await runTransaction(first, req.body, parse, ctx, run);
  return { status: 200, body: bundle };
}

async function runBatch(parsed: ParsedBundle, ctx: FhirContext, run: EntryRunner): Promise<Bundle> {
  const entries: BundleEntry[] = new Array<BundleEntry>(parsed.entries.length + parsed.rejected.length);
  for (const rejected of parsed.rejected) entries[rejected.index] = errorEntry(rejected.error);
  const cache = new Map<string, string>();
  const budget = new OutputBudget(limitsOf(ctx.settings).bundleMaxOutputResources);
  // Batch entries are independent (no placeholder rewriting, per the spec); they run one after
  // another so that a client reading its own writes in a later entry sees them. Once the output
  // limit is reached, the remaining entries are not run: each says so (an explicit partial
  // result), and the client can send them again.
  for (const entry of parsed.entries) {
    await yieldToEventLoop();
    if (budget.exhausted) {
      entries[entry.index] = errorEntry(budget.batchError());
      continue;
    }
    try {
      await prepareEntry(entry, new Map(), ctx, cache, false);
      const res = await run(entry.request, ctx);
      // a read over the limit is dropped; a write has happened, so its response is kept
      const isRead = entry.request.method === 'GET' || entry.request.method === 'HEAD';
      entries[entry.index] = !budget.spend(res) && isRead ? errorEntry(budget.batchError()) : successEntry(res, ctx.settings.baseUrl);
    } catch (error) {
      const failure = error instanceof FhirError ? error : fhirErrorOfStore(error);
      entries[entry.index] = failure ? errorEntry(failure) : internalErrorEntry();
    }
  }
  return responseBundle('batch-response', entries);
}

/**
 * All entries inside ONE store transaction: any failure throws, which rolls everything back, and
 * the client gets the failing entry's status and OperationOutcome.
 */
async function runTransaction(
  parsed: ParsedBundle,
  body: unknown,
  parse: (body: unknown) => ParsedBundle,
  ctx: FhirContext,
  run: EntryRunner,
): Promise<Bundle> {
  const rejected = parsed.rejected[0];
  if (rejected) throw transactionFailure(rejected.index, 'entry', 'Bundle.entry', rejected.error);
  // Entries are rewritten in place; a retried attempt (MongoDB transient errors) starts again
  // from an untouched copy of the Bundle. The embedded engine serialises transactions and does not retry.
  // Index builds cannot join the transaction: create them first for every type the entries touch.
  for (const type of new Set(parsed.entries.map((entry) => entry.request.path.split('/')[0] ?? ''))) {
    if (isResourceType(type)) await ensureSearchIndexes(ctx.store, type);
  }
  const snapshot = ctx.store.kind === 'mongodb' ? JSON.stringify(body) : undefined;
  let attempt = 0;
  try {
    return await ctx.store.withTransaction(async (session) => {
      attempt += 1;
      let current = parsed;
      if (attempt > 1) {
        if (snapshot === undefined) throw new TransactionConflictError('transaction retried');
        current = parse(JSON.parse(snapshot));
      }
      const entries = await executeTransaction(current.entries, { ...ctx, session }, run);
      return responseBundle('transaction-response', entries);
    });
  } catch (error) {
    if (error instanceof TransactionConflictError) {
      throw conflict('The transaction conflicted with a concurrent write; retry it');
    }
    throw error;
  }
}

async function executeTransaction(planned: PlannedEntry[], tx: FhirContext, run: EntryRunner): Promise<BundleEntry[]> {
  const map: ReferenceMap = new Map();
  let current: PlannedEntry | undefined;
  const results = new Array<BundleEntry>(planned.length);
  try {
    assignPlaceholders(planned, map);
    await resolveConditionalTargets(planned, map, tx);
    mapUpdateFullUrls(planned, map);
    assertNoOverlap(planned);
    const cache = new Map<string, string>();
    const budget = new OutputBudget(limitsOf(tx.settings).bundleMaxOutputResources);
    for (const entry of transactionOrder(planned)) {
      await yieldToEventLoop();
      current = entry;
      await prepareEntry(entry, map, tx, cache, true);
      const res = await run(entry.request, tx);
      if (res.status >= 400) throw new FhirError(res.status, outcomeIssues(res));
      if (!budget.spend(res)) throw budget.transactionError();
      if (entry.create) noteCreatedId(entry, res, map);
      results[entry.index] = successEntry(res, tx.settings.baseUrl);
    }
  } catch (error) {
    if (!(error instanceof FhirError)) throw error;
    if (error.issues.some((i) => i.expression?.some((e) => e.startsWith('Bundle.entry[')))) throw error;
    if (!current) throw error;
    throw transactionFailure(current.index, current.method, describeUrl(current), error);
  }
  return results;
}

/**
 * A create that did not use the pre-assigned id (e.g. a conditional create that matched) is
 * remembered so that later entries reference what really exists.
 */
function noteCreatedId(entry: PlannedEntry, res: FhirResponse, map: ReferenceMap): void {
  const id = res.body?.resourceType !== 'OperationOutcome' && res.body?.id ? res.body.id : idFromLocation(res.headers);
  if (!id || id === entry.id) return;
  entry.id = id;
  const type = entry.resourceType ?? res.body?.resourceType;
  if (entry.fullUrl && type) map.set(entry.fullUrl, `${type}/${id}`);
}

function idFromLocation(headers: Record<string, string> | undefined): string | undefined {
  const location = headers?.['Location'] ?? headers?.['location'];
  if (!location) return undefined;
  return /\/[A-Z][A-Za-z]+\/([A-Za-z0-9\-.]{1,64})(\/_history\/[^/]+)?$/.exec(location)?.[1];
}

function outcomeIssues(res: FhirResponse): OperationOutcomeIssue[] {
  const body = res.body as OperationOutcome | undefined;
  if (body?.resourceType === 'OperationOutcome' && body.issue.length > 0) return body.issue;
  return [{ severity: 'error' as const, code: 'processing' as const, diagnostics: `Entry failed with status ${res.status}` }];
}

function describeUrl(entry: PlannedEntry): string {
  const query = entry.request.query.length > 0 ? `?${new URLSearchParams(entry.request.query).toString()}` : '';
  return `${entry.request.path}${query}`;
}

function responseBundle(type: 'batch-response' | 'transaction-response', entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', id: randomUUID(), type, entry };
}
