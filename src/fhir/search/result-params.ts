import type { OperationOutcomeIssue } from 'fhir/r4';
import type { SortSpec } from '../../storage/port';
import { isResourceType } from '../definitions/resource-types';
import { searchParameter } from '../definitions/search-parameters';
import { badRequest, FhirError, issue } from '../outcome';
import type { FhirSettings } from '../request';

/**
 * Result parameters (search.html#return): _sort, _count, _total, _summary, _elements, _include,
 * _revinclude, plus this server's paging cursor `_page`. Everything else is a criterion.
 */
export interface IncludeSpec {
  sourceType: string;
  /** Reference parameter code, or '*' for all of them. */
  param: string;
  targetType?: string;
  iterate: boolean;
}

export interface SortKey {
  /** Parameter as written, without '-'. */
  name: string;
  field: string;
  dir: 1 | -1;
}

export interface ResultParams {
  sort: SortKey[];
  count: number;
  total: 'none' | 'estimate' | 'accurate';
  summary?: 'true' | 'false' | 'text' | 'data' | 'count';
  elements?: string[];
  include: IncludeSpec[];
  revinclude: IncludeSpec[];
  cursor?: string;
  /** Result parameters as applied, for the self/next/previous links (`_page` excluded). */
  used: Array<[string, string]>;
  issues: OperationOutcomeIssue[];
}

const IGNORED = new Set(['_format', '_pretty']);
export const RESULT_NAMES = new Set(['_sort', '_count', '_total', '_summary', '_elements', '_include', '_revinclude', '_page', '_format', '_pretty']);

export function isResultParam(name: string): boolean {
  return RESULT_NAMES.has(name.split(':')[0] as string);
}

/** The sort field of a parameter: document fields for _id/_lastUpdated, `idx.<code>:sort` otherwise. */
export function sortField(types: string[], name: string): string {
  if (name === '_id') return '_id';
  if (name === '_lastUpdated') return 'lastUpdatedMs';
  for (const type of types) {
    const def = searchParameter(type, name);
    if (!def) throw badRequest(`Unknown sort parameter '${name}' for ${type}`);
    if (def.type === 'composite') throw badRequest(`Cannot sort on composite parameter '${name}'`);
  }
  return `idx.${name}:sort`;
}

function parseInclude(value: string, name: string, iterate: boolean): IncludeSpec {
  if (value === '*') return { sourceType: '*', param: '*', iterate };
  const [sourceType, param, targetType, extra] = value.split(':');
  if (!sourceType || !param || extra !== undefined || !isResourceType(sourceType)) throw badRequest(`Invalid ${name} value '${value}'`);
  if (param !== '*') {
    const def = searchParameter(sourceType, param);
    if (!def || def.type !== 'reference') throw badRequest(`${name}: '${param}' is not a reference parameter of ${sourceType}`);
    if (targetType !== undefined && (!isResourceType(targetType) || (!def.targets.includes(targetType) && !def.targets.includes('Resource')))) {
      throw badRequest(`${name}: ${sourceType}.${param} cannot refer to ${targetType}`);
    }
  }
  return targetType === undefined ? { sourceType, param, iterate } : { sourceType, param, targetType, iterate };
}

const oneOf = <T extends string>(value: string, allowed: readonly T[], name: string): T => {
  if (!(allowed as readonly string[]).includes(value)) throw badRequest(`${name} must be one of ${allowed.join(', ')}, not '${value}'`);
  return value as T;
};

export function parseResultParams(pairs: Array<[string, string]>, types: string[], settings: FhirSettings, lenient: boolean): ResultParams {
  const result: ResultParams = { sort: [], count: settings.defaultPageSize, total: 'accurate', include: [], revinclude: [], used: [], issues: [] };
  for (const [name, value] of pairs) {
    try {
      applyOne(result, name, value, types, settings);
      if (name !== '_page' && !IGNORED.has(name)) result.used.push([name, value]);
    } catch (error) {
      if (!lenient || !(error instanceof FhirError) || error.status !== 400) throw error;
      result.issues.push(issue('warning', 'not-supported', `Ignored parameter ${name}=${value}: ${error.message}`));
    }
  }
  return result;
}

function applyOne(result: ResultParams, name: string, value: string, types: string[], settings: FhirSettings): void {
  const [base, modifier] = name.split(':') as [string, string | undefined];
  switch (base) {
    case '_sort':
      if (result.sort.length > 0) throw badRequest('_sort may be given only once');
      for (const key of value.split(',')) {
        const desc = key.startsWith('-');
        const param = desc ? key.slice(1) : key;
        if (param === '') throw badRequest(`Invalid _sort '${value}'`);
        result.sort.push({ name: param, field: sortField(types, param), dir: desc ? -1 : 1 });
      }
      return;
    case '_count':
      if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a non-negative integer, not '${value}'`);
      result.count = Math.min(Number(value), settings.maxPageSize);
      return;
    case '_total':
      result.total = oneOf(value, ['none', 'estimate', 'accurate'] as const, '_total');
      return;
    case '_summary':
      result.summary = oneOf(value, ['true', 'false', 'text', 'data', 'count'] as const, '_summary');
      return;
    case '_elements':
      result.elements = value.split(',').map((e) => e.trim()).filter((e) => e !== '');
      if (result.elements.some((e) => !/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)?$/.test(e))) throw badRequest(`Invalid _elements '${value}'`);
      return;
    case '_include':
    case '_revinclude': {
      if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') throw badRequest(`Unknown modifier ${name}`);
      const spec = parseInclude(value, base, modifier !== undefined);
      (base === '_include' ? result.include : result.revinclude).push(spec);
      return;
    }
    case '_page':
      result.cursor = value;
      return;
    case '_format':
    case '_pretty':
      return;
    default:
      throw badRequest(`Unknown result parameter ${name}`);
  }
}

/** The full sort of a page: the requested keys, then `_id` as the unique tie-breaker in the direction of the last key (cursor.ts). */
export function sortSpec(keys: SortKey[], reverse = false): SortSpec {
  const spec: SortSpec = {};
  for (const key of keys) spec[key.field] = (reverse ? -key.dir : key.dir) as 1 | -1;
  const tie = keys[keys.length - 1]?.dir ?? 1;
  if (!('_id' in spec)) spec._id = (reverse ? -tie : tie) as 1 | -1;
  return spec;
}
