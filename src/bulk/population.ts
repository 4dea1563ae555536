import { hasTypeAccess, searchRestriction } from '../fhir/access/enforce';
import { patientCompartmentParams } from '../fhir/definitions/compartments';
import { resourceTypeNames } from '../fhir/definitions/resource-types';
import { badRequest } from '../fhir/outcome';
import type { FhirContext } from '../fhir/request';
import { allOf, anyOf } from '../fhir/search/compile/cond';
import { compileCriteria } from '../fhir/search/criteria';
import { isResultParam } from '../fhir/search/result-params';
import type { Filter } from '../storage/port';
import type { ExportJob, ExportLevel } from './job';

/**
 * What an export contains (export.html): every type with data at system level (the FHIR
 * collections only, never the server's own), the patient compartment's types at Patient and
 * Group level; always only the types and resources the caller's token may search.
 */
export async function exportTypes(ctx: FhirContext, level: ExportLevel, requested: string[] | undefined): Promise<string[]> {
  const stored = new Set(await ctx.store.listCollections());
  const inScope = (type: string) => level === 'system' || type === 'Patient' || patientCompartmentParams(type).length > 0;
  const candidates = requested ?? resourceTypeNames();
  return candidates.filter((type) => stored.has(type) && inScope(type) && hasTypeAccess(ctx.access, 'search', type));
}

/** The patient compartment range: every `Patient/...` entry of `compartments` (a multikey index). */
const IN_SOME_PATIENT_COMPARTMENT: Filter = { compartments: { $gte: 'Patient/', $lt: 'Patient0' } };

function populationFilter(job: Pick<ExportJob, 'level' | 'patients'>, type: string): Filter {
  if (job.patients) {
    if (type === 'Patient') return { _id: { $in: job.patients } };
    return { compartments: { $in: job.patients.map((id) => `Patient/${id}`) } };
  }
  if (job.level === 'system' || type === 'Patient') return {};
  return IN_SOME_PATIENT_COMPARTMENT;
}

/** Compiles `_typeFilter` queries of one type: a resource must match one of them (export.html#_typefilter). */
export async function typeFilterOf(type: string, queries: Array<Array<[string, string]>>, ctx: FhirContext): Promise<Filter> {
  const compiled: Filter[] = [];
  for (const pairs of queries) {
    const result = pairs.find(([name]) => isResultParam(name));
    if (result) throw badRequest(`_typeFilter '${type}?…' may not use the result parameter ${result[0]}`);
    compiled.push((await compileCriteria(type, pairs, ctx, false)).filter);
  }
  if (compiled.length === 0) return {};
  return compiled.some((f) => Object.keys(f).length === 0) ? {} : anyOf(compiled);
}

/**
 * The filter of one type of a job: live resources of the population, changed after `_since` and
 * not after the transaction time, matching the type's filters, within the caller's access.
 */
export async function exportFilter(job: ExportJob, type: string, ctx: FhirContext): Promise<Filter> {
  const changed: Record<string, number> = { $lte: job.transactionTimeMs };
  if (job.sinceMs !== undefined) changed.$gt = job.sinceMs;
  const queries = (job.typeFilters[type] ?? []).map((q) => [...new URLSearchParams(q)] as Array<[string, string]>);
  return allOf([
    { deleted: false },
    populationFilter(job, type),
    { lastUpdatedMs: changed },
    await typeFilterOf(type, queries, ctx),
    searchRestriction(ctx.access, type) ?? {},
  ]);
}
