import type { Bundle, BundleEntry, BundleLink, FhirResource, OperationOutcomeIssue, Resource } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import type { Filter } from '../../storage/port';
import { assertTypeAccess, hasTypeAccess, searchRestriction } from '../access/enforce';
import { isResourceType, resourceTypeNames } from '../definitions/resource-types';
import { limitsOf } from '../limits';
import { badRequest, issue, notFound, outcome } from '../outcome';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';
import type { SearchInput } from './input';
import { allOf } from './compile/cond';
import { compileCriteria } from './criteria';
import { cursorFields, decodeCursor, encodeCursor, sortValues } from './cursor';
import { resolveIncludes } from './include';
import { ensureSearchIndexes } from './indexes';
import { readPage } from './page';
import { isResultParam, parseResultParams, sortSpec, type ResultParams } from './result-params';
import { applyElements, applySummary } from './summary';

/** GET [type]?…, POST [type]/_search, GET [base]?_type=…, GET Patient/1/[type]?… → searchset Bundle. */

interface Plan {
  types: string[];
  filters: Map<string, Filter>;
  used: Array<[string, string]>;
  result: ResultParams;
  issues: OperationOutcomeIssue[];
}

async function targetTypes(input: SearchInput, ctx: FhirContext): Promise<{ types: string[]; rest: Array<[string, string]>; typeParam?: [string, string] }> {
  if (input.resourceType) {
    if (!isResourceType(input.resourceType)) throw notFound(`Unknown resource type '${input.resourceType}'`);
    assertTypeAccess(ctx.access, 'search', input.resourceType);
    return { types: [input.resourceType], rest: input.query };
  }
  const typePairs = input.query.filter(([name]) => name === '_type');
  const rest = input.query.filter(([name]) => name !== '_type');
  if (typePairs.length === 0) {
    const stored = new Set(await ctx.store.listCollections());
    const types = resourceTypeNames().filter((t) => stored.has(t) && canSearch(ctx, t));
    return { types, rest };
  }
  const types = [...new Set(typePairs.flatMap(([, v]) => v.split(',')).map((t) => t.trim()))];
  for (const type of types) {
    if (!isResourceType(type)) throw badRequest(`Unknown resource type '${type}' in _type`);
    assertTypeAccess(ctx.access, 'search', type);
  }
  return { types, rest, typeParam: ['_type', types.join(',')] };
}

const canSearch = (ctx: FhirContext, type: string): boolean => hasTypeAccess(ctx.access, 'search', type);

async function plan(input: SearchInput, ctx: FhirContext): Promise<Plan> {
  const { types, rest, typeParam } = await targetTypes(input, ctx);
  const criteria = rest.filter(([name]) => !isResultParam(name));
  const result = parseResultParams(rest.filter(([name]) => isResultParam(name)), types, ctx.settings, input.lenient);
  const filters = new Map<string, Filter>();
  let used: Array<[string, string]> = [];
  const issues: OperationOutcomeIssue[] = [...result.issues];
  for (const type of types) {
    const compiled = await compileCriteria(type, criteria, ctx, input.lenient);
    if (type === types[0]) {
      used = compiled.used;
      issues.push(...compiled.issues);
    }
    const compartment = input.compartment ? { compartments: `${input.compartment.type}/${input.compartment.id}` } : {};
    filters.set(type, allOf([{ deleted: false }, compartment, compiled.filter, searchRestriction(ctx.access, type) ?? {}]));
  }
  return { types, filters, used: typeParam ? [typeParam, ...used] : used, result, issues };
}

function linkPath(input: SearchInput): string {
  if (input.compartment) return `${input.compartment.type}/${input.compartment.id}/${input.resourceType ?? ''}`;
  return input.resourceType ?? '';
}

function link(ctx: FhirContext, input: SearchInput, relation: string, pairs: Array<[string, string]>): BundleLink {
  const qs = new URLSearchParams(pairs).toString();
  const path = linkPath(input);
  const base = path ? `${ctx.settings.baseUrl}/${path}` : ctx.settings.baseUrl;
  return { relation, url: qs ? `${base}?${qs}` : base };
}

function shape(resource: Resource, result: ResultParams): Resource {
  if (result.summary && result.summary !== 'false' && result.summary !== 'count') return applySummary(resource, result.summary);
  if (result.elements) return applyElements(resource, result.elements);
  return resource;
}

async function total(p: Plan, ctx: FhirContext): Promise<number> {
  let sum = 0;
  for (const type of p.types) sum += await ctx.store.collection(type).countDocuments(p.filters.get(type) as Filter, { session: ctx.session });
  return sum;
}

export async function runSearch(input: SearchInput, ctx: FhirContext): Promise<Bundle> {
  const p = await plan(input, ctx);
  // Not inside a transaction: an index build must not wait on (or for) the running transaction.
  if (!ctx.session) for (const type of p.types) await ensureSearchIndexes(ctx.store, type);
  const { result } = p;
  const pairs: Array<[string, string]> = [...p.used, ...result.used];
  const bundle: Bundle = { resourceType: 'Bundle', id: randomUUID(), meta: { lastUpdated: new Date().toISOString() }, type: 'searchset' };
  const countOnly = result.summary === 'count' || result.count === 0;
  if (countOnly || result.total !== 'none') bundle.total = await total(p, ctx);
  const links: BundleLink[] = [];
  const entries: BundleEntry[] = [];
  if (countOnly) {
    links.push(link(ctx, input, 'self', pairs));
  } else {
    const fields = cursorFields(result.sort);
    const cursor = result.cursor ? decodeCursor(result.cursor, fields.length) : undefined;
    const page = await readPage(
      { types: p.types, filters: p.filters, fields, sort: sortSpec(result.sort), reverseSort: sortSpec(result.sort, true), count: result.count, cursor },
      ctx,
    );
    links.push(link(ctx, input, 'self', result.cursor ? [...pairs, ['_page', result.cursor]] : pairs));
    const first = page.docs[0];
    const last = page.docs[page.docs.length - 1];
    const backward = cursor?.backward ?? false;
    const hasNext = backward ? true : page.more;
    const hasPrevious = cursor !== undefined && (backward ? page.more : true);
    if (hasNext && last) links.push(link(ctx, input, 'next', [...pairs, ['_page', encodeCursor({ backward: false, values: sortValues(last as never, fields) })]]));
    if (hasPrevious && first) links.push(link(ctx, input, 'previous', [...pairs, ['_page', encodeCursor({ backward: true, values: sortValues(first as never, fields) })]]));
    const { baseUrl } = ctx.settings;
    for (const doc of page.docs) entries.push(entry(baseUrl, shape(doc.resource as Resource, result), 'match'));
    const max = limitsOf(ctx.settings).searchMaxIncluded;
    const included = await resolveIncludes(ctx, page.docs as ResourceDocument[], result.include, result.revinclude, max);
    for (const doc of included.docs) if (doc.resource) entries.push(entry(baseUrl, shape(doc.resource, result), 'include'));
    if (included.truncated) p.issues.push(includesTruncated(max, result.count));
  }
  if (p.issues.length > 0) entries.push({ resource: outcome(p.issues) as FhirResource, search: { mode: 'outcome' } });
  bundle.link = links;
  if (entries.length > 0) bundle.entry = entries;
  return bundle;
}

/** Said in the outcome entry: the page is complete, its includes are not (never silent). */
function includesTruncated(max: number, count: number): OperationOutcomeIssue {
  return issue(
    'warning',
    'too-costly',
    `_include/_revinclude stopped at ${max} included resources (SEARCH_MAX_INCLUDED): some resources referenced by this page are missing. ` +
      `Ask for smaller pages (a _count below ${count}) to get them all.`,
  );
}

function entry(baseUrl: string, resource: Resource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource: resource as FhirResource, search: { mode } };
}

/** Current documents matching criteria (conditional interactions, $lastn): result parameters are ignored. */
export async function findDocuments(type: string, query: Array<[string, string]>, ctx: FhirContext, limit: number): Promise<ResourceDocument[]> {
  if (!isResourceType(type)) throw badRequest(`Unknown resource type '${type}'`);
  const criteria = query.filter(([name]) => !isResultParam(name));
  const { filter } = await compileCriteria(type, criteria, ctx, false);
  const restriction = searchRestriction(ctx.access, type);
  if (!ctx.session) await ensureSearchIndexes(ctx.store, type);
  return ctx.store
    .collection<ResourceDocument>(type)
    .find(allOf([{ deleted: false }, filter, restriction ?? {}]), { limit, sort: { _id: 1 }, session: ctx.session });
}
