import type { OperationOutcomeIssue } from 'fhir/r4';
import type { Filter } from '../../storage/port';
import { searchRestriction } from '../access/enforce';
import { isResourceType } from '../definitions/resource-types';
import { searchParameter } from '../definitions/search-parameters';
import { badRequest, FhirError, issue } from '../outcome';
import type { FhirContext } from '../request';
import { allOf, compileDocumentParam, compileParam } from './compile/param';

/**
 * Criteria parameters (everything that selects resources) → one filter. Chained parameters and
 * _has run their inner queries first (with the caller's access restriction) and become id lists.
 */
export interface CriteriaResult {
  filter: Filter;
  /** The pairs actually applied (the self link shows these). */
  used: Array<[string, string]>;
  /** Ignored parameters under Prefer: handling=lenient. */
  issues: OperationOutcomeIssue[];
}

/** The most ids a chained or _has inner query may yield before the search is refused as too costly. */
export const INNER_QUERY_LIMIT = 10_000;
const MAX_DEPTH = 4;

export class UnknownParameterError extends FhirError {}

function unknownParameter(type: string, name: string): FhirError {
  return new UnknownParameterError(400, [issue('error', 'not-supported', `Unknown search parameter '${name}' for ${type}`)]);
}

/** Ids of current `type` documents matching `pairs`, restricted to what the caller may see. */
export async function matchingIds(type: string, pairs: Array<[string, string]>, ctx: FhirContext, depth: number): Promise<string[]> {
  const { filter } = await compileCriteria(type, pairs, ctx, false, depth);
  const restriction = searchRestriction(ctx.access, type);
  const docs = await ctx.store
    .collection(type)
    .find(allOf([{ deleted: false }, filter, restriction ?? {}]), { projection: { _id: 1 }, limit: INNER_QUERY_LIMIT + 1, session: ctx.session });
  if (docs.length > INNER_QUERY_LIMIT) {
    throw new FhirError(400, [issue('error', 'too-costly', `An inner (chained or _has) query on ${type} matches more than ${INNER_QUERY_LIMIT} resources; narrow it`)]);
  }
  return docs.map((d) => d._id);
}

async function chainFilter(type: string, name: string, value: string, ctx: FhirContext, depth: number): Promise<Filter> {
  const dot = name.indexOf('.');
  const head = name.slice(0, dot);
  const rest = name.slice(dot + 1);
  const [code, targetType] = head.split(':') as [string, string | undefined];
  const def = searchParameter(type, code);
  if (!def) throw unknownParameter(type, code);
  if (def.type !== 'reference') throw badRequest(`Parameter ${code} of ${type} is not a reference and cannot be chained`);
  if (rest === '') throw badRequest(`Chained parameter '${name}' has no inner parameter`);
  const innerCode = (rest.split('.')[0] as string).split(':')[0] as string;
  let targets = targetType !== undefined ? [targetType] : def.targets.filter(isResourceType);
  if (targetType !== undefined && (!isResourceType(targetType) || (!def.targets.includes(targetType) && !def.targets.includes('Resource')))) {
    throw badRequest(`Parameter ${code} of ${type} cannot refer to ${targetType}`);
  }
  const isCommon = innerCode === '_id' || innerCode === '_lastUpdated' || innerCode === '_has';
  targets = targets.filter((t) => isCommon || searchParameter(t, innerCode) !== undefined);
  if (targets.length === 0) throw badRequest(`No target type of ${type}.${code} has a parameter '${innerCode}'`);
  const refs: string[] = [];
  for (const target of targets) {
    for (const id of await matchingIds(target, [[rest, value]], ctx, depth + 1)) refs.push(`${target}/${id}`);
  }
  return { [`idx.${code}`]: { $in: refs } };
}

/** `_has:Observation:patient:code=x`: resources referenced by matching Observations via `patient`. */
async function hasFilter(type: string, name: string, value: string, ctx: FhirContext, depth: number): Promise<Filter> {
  const parts = name.split(':');
  if (parts.length < 4) throw badRequest(`_has needs _has:Type:reference:parameter, not '${name}'`);
  const [, sourceType, refCode] = parts as [string, string, string];
  const inner = parts.slice(3).join(':');
  if (!isResourceType(sourceType)) throw badRequest(`Unknown resource type '${sourceType}' in ${name}`);
  const refDef = searchParameter(sourceType, refCode);
  if (!refDef || refDef.type !== 'reference') throw badRequest(`'${refCode}' is not a reference parameter of ${sourceType}`);
  const { filter } = await compileCriteria(sourceType, [[inner, value]], ctx, false, depth + 1);
  const restriction = searchRestriction(ctx.access, sourceType);
  const field = `idx.${refCode}`;
  const docs = await ctx.store
    .collection(sourceType)
    .find(allOf([{ deleted: false }, filter, { [field]: { $exists: true } }, restriction ?? {}]), {
      projection: { _id: 1, [field]: 1 },
      limit: INNER_QUERY_LIMIT + 1,
      session: ctx.session,
    });
  if (docs.length > INNER_QUERY_LIMIT) throw new FhirError(400, [issue('error', 'too-costly', `${name} matches more than ${INNER_QUERY_LIMIT} ${sourceType} resources; narrow it`)]);
  const prefix = `${type}/`;
  const ids = new Set<string>();
  for (const doc of docs as Array<{ idx?: Record<string, unknown> }>) {
    for (const ref of (doc.idx?.[refCode] as string[] | undefined) ?? []) {
      if (ref.startsWith(prefix) && !ref.includes('/', prefix.length)) ids.add(ref.slice(prefix.length));
    }
  }
  return { _id: { $in: [...ids] } };
}

async function compileOne(type: string, name: string, value: string, ctx: FhirContext, depth: number): Promise<Filter> {
  if (depth > MAX_DEPTH) throw badRequest(`Chained and _has parameters nest at most ${MAX_DEPTH} levels`);
  if (name.startsWith('_has:')) return hasFilter(type, name, value, ctx, depth);
  if (name.includes('.')) return chainFilter(type, name, value, ctx, depth);
  const colon = name.indexOf(':');
  const code = colon < 0 ? name : name.slice(0, colon);
  const modifier = colon < 0 ? undefined : name.slice(colon + 1);
  if (code === '_id' || code === '_lastUpdated') return compileDocumentParam(code, modifier, value);
  const def = searchParameter(type, code);
  if (!def) throw unknownParameter(type, code);
  return compileParam(def, modifier, value, ctx.settings.baseUrl, type);
}

/** Compiles criteria pairs; under `lenient`, unknown or malformed parameters are skipped and reported. */
export async function compileCriteria(
  type: string,
  pairs: Array<[string, string]>,
  ctx: FhirContext,
  lenient: boolean,
  depth = 0,
): Promise<CriteriaResult> {
  const filters: Filter[] = [];
  const used: Array<[string, string]> = [];
  const issues: OperationOutcomeIssue[] = [];
  for (const [name, value] of pairs) {
    // A parameter given without a value selects nothing and is ignored.
    if (value === '') continue;
    try {
      filters.push(await compileOne(type, name, value, ctx, depth));
      used.push([name, value]);
    } catch (error) {
      if (!lenient || !(error instanceof FhirError) || error.status !== 400) throw error;
      issues.push(issue('warning', 'not-supported', `Ignored parameter ${name}=${value}: ${error.message}`));
    }
  }
  return { filter: allOf(filters), used, issues };
}
