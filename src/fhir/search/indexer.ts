import type { Binary, Resource } from 'fhir/r4';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { patientCompartmentParams } from '../definitions/compartments';
import { searchParameters, splitUnion, type SearchParamDef, type SearchParamType } from '../definitions/search-parameters';
import type { ResourceDocument } from '../resource-document';
import { MIN_TIME, type Range } from './dates';
import { compileFastPath, compileFastRelative } from './fastpath';
import { encodeDate, encodeNumber, encodeQuantity, encodeReference, encodeString, encodeToken, encodeUri, type QuantityEntry } from './encode';

/**
 * Write-time indexing: every SearchParameter expression of a type is compiled once (HL7
 * `fhirpath` with the R4 model) and evaluated on each written resource. Layout of `idx`:
 * - `idx[code]`        entries (token strings, normalised strings, {lo,hi} ranges, numbers,
 *                      quantity objects, references, uris, composite tuples);
 * - `idx[code:text]`   token display/text (normalised), `idx[code:exact]` raw strings;
 * - `idx[code:sort]`   one scalar per sortable parameter, always present (a sentinel when the
 *                      resource has no value) so keyset paging compares plain values.
 * An absent `idx[code]` means "no value" (`:missing=true`).
 */
type Evaluator = (node: unknown) => unknown[];

interface CompositeBranch {
  select: Evaluator;
  parts: Array<{ type: SearchParamType; evaluate: Evaluator }>;
}

interface CompiledParam {
  def: SearchParamDef;
  evaluate: Evaluator;
  composite?: CompositeBranch[];
}

const compiled = new Map<string, CompiledParam[]>();

export const STRING_SENTINEL = '';
export const NUMBER_SENTINEL = MIN_TIME;
export const TUPLE_KEYS = ['a', 'b', 'c', 'd'] as const;

/** The fast path when the expression is a simple path (fastpath.ts), the HL7 engine otherwise. */
function compileExpression(expression: string, base?: string, type?: string): Evaluator {
  const fast = base ? compileFastRelative(expression, base) : type ? compileFastPath(type, splitUnion(expression)) : undefined;
  if (fast) return fast;
  try {
    const fn = fhirpath.compile(base ? { base, expression } : expression, r4model as never);
    return (node) => {
      try {
        return fn(node) as unknown[];
      } catch {
        return [];
      }
    };
  } catch {
    return () => [];
  }
}

function compileComposite(def: SearchParamDef, type: string): CompositeBranch[] {
  if (def.components.some((c) => c.expression.includes('%resource'))) return [];
  return (def.expression ?? '').split('|').map((branch) => {
    const base = branch.trim().replace(/^\(|\)$/g, '');
    return {
      select: compileExpression(base, undefined, type),
      parts: def.components.map((c) => ({ type: c.type, evaluate: compileExpression(c.expression, base.startsWith(type) ? base : type) })),
    };
  });
}

export function compiledParams(type: string): CompiledParam[] {
  let list = compiled.get(type);
  if (!list) {
    list = [...searchParameters(type).values()].map((def) =>
      def.type === 'composite'
        ? { def, evaluate: () => [], composite: compileComposite(def, type) }
        : { def, evaluate: compileExpression(def.expression as string, undefined, type) },
    );
    compiled.set(type, list);
  }
  return list;
}

/** Encodes one value of a single-type component for a composite tuple (one entry per value). */
function componentEntries(type: SearchParamType, values: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const value of values) {
    switch (type) {
      case 'token': {
        const tokens: string[] = [];
        encodeToken(value, tokens, []);
        // Tuples multiply: keep code-level entries only (`system|` alone is not a useful composite part).
        for (const token of tokens) if (!token.startsWith('s:')) out.push(token);
        break;
      }
      case 'quantity':
        encodeQuantity(value, out as QuantityEntry[]);
        break;
      case 'date':
        encodeDate(value, out as Range[]);
        break;
      case 'number':
        encodeNumber(value, out as number[]);
        break;
      case 'string':
        encodeString(value, out as string[], []);
        break;
      case 'reference':
        encodeReference(value, out as string[]);
        break;
      default:
        encodeUri(value, out as string[]);
    }
  }
  return out;
}

function compositeTuples(branches: CompositeBranch[], resource: Resource): Array<Record<string, unknown>> {
  const tuples: Array<Record<string, unknown>> = [];
  for (const branch of branches) {
    for (const element of branch.select(resource)) {
      let partial: Array<Record<string, unknown>> = [{}];
      branch.parts.forEach((part, i) => {
        const key = TUPLE_KEYS[i] as string;
        const entries = componentEntries(part.type, part.evaluate(element));
        const next: Array<Record<string, unknown>> = [];
        for (const tuple of partial) for (const entry of entries) next.push({ ...tuple, [key]: entry });
        partial = next;
      });
      tuples.push(...partial);
    }
  }
  return tuples;
}

function sortKey(type: SearchParamType, entries: unknown[]): string | number {
  const first = entries[0];
  switch (type) {
    case 'date':
      return entries.length === 0 ? NUMBER_SENTINEL : Math.min(...(entries as Range[]).map((r) => r.lo));
    case 'number':
      return entries.length === 0 ? NUMBER_SENTINEL : Math.min(...(entries as number[]));
    case 'quantity':
      return entries.length === 0 ? NUMBER_SENTINEL : Math.min(...(entries as QuantityEntry[]).map((q) => q.v));
    case 'token': {
      const code = (entries as string[]).find((e) => e.startsWith('c:'));
      return code === undefined ? STRING_SENTINEL : code.slice(2);
    }
    case 'reference': {
      const ref = (entries as string[]).find((e) => !e.startsWith('i:') && !e.startsWith('iv:'));
      return ref ?? STRING_SENTINEL;
    }
    default:
      return typeof first === 'string' ? first : STRING_SENTINEL;
  }
}

function indexParam(param: CompiledParam, resource: Resource, idx: Record<string, unknown>): void {
  const { def } = param;
  if (param.composite) {
    const tuples = compositeTuples(param.composite, resource);
    if (tuples.length > 0) idx[def.code] = tuples;
    return;
  }
  const values = param.evaluate(resource);
  const entries: unknown[] = [];
  const extra: string[] = [];
  for (const value of values) {
    switch (def.type) {
      case 'token':
        encodeToken(value, entries as string[], extra);
        break;
      case 'string':
        encodeString(value, entries as string[], extra);
        break;
      case 'date':
        encodeDate(value, entries as Range[]);
        break;
      case 'number':
        encodeNumber(value, entries as number[]);
        break;
      case 'quantity':
        encodeQuantity(value, entries as QuantityEntry[]);
        break;
      case 'reference':
        encodeReference(value, entries as string[]);
        break;
      default:
        encodeUri(value, entries as string[]);
    }
  }
  if (entries.length > 0) idx[def.code] = def.type === 'token' || def.type === 'reference' || def.type === 'uri' ? [...new Set(entries)] : entries;
  if (extra.length > 0) idx[`${def.code}:${def.type === 'token' ? 'text' : 'exact'}`] = extra;
  idx[`${def.code}:sort`] = sortKey(def.type, entries);
}

/**
 * String parameters whose prefixes are also indexed (`idx[code:prefix]`, every prefix of the
 * normalised value up to PREFIX_MAX characters), so that the default starts-with search is an
 * equality lookup in both engines instead of a regex over the whole collection.
 */
export const PREFIX_MAX = 8;
const PREFIX_PARAMS = new Set([
  'Patient.name', 'Patient.family', 'Patient.given', 'Patient.phonetic',
  'Practitioner.name', 'Practitioner.family', 'Practitioner.given',
  'RelatedPerson.name', 'Organization.name', 'Location.name',
]);

export function hasPrefixIndex(type: string, code: string): boolean {
  return PREFIX_PARAMS.has(`${type}.${code}`);
}

function addPrefixes(code: string, idx: Record<string, unknown>): void {
  const prefixes = new Set<string>();
  for (const value of (idx[code] as string[] | undefined) ?? []) {
    for (let n = 1; n <= Math.min(PREFIX_MAX, value.length); n++) prefixes.add(value.slice(0, n));
  }
  if (prefixes.size > 0) idx[`${code}:prefix`] = [...prefixes];
}

const PATIENT_REF = /^Patient\/[A-Za-z0-9\-.]{1,64}$/;

/** Index entries and patient compartments of a resource (DESIGN.md, "Resource documents"). */
export function indexResource(resource: Resource): Pick<ResourceDocument, 'idx' | 'compartments'> {
  const idx: Record<string, unknown> = {};
  for (const param of compiledParams(resource.resourceType)) {
    // _id and _lastUpdated are searched on the document's own `_id` and `lastUpdatedMs`.
    if (param.def.code === '_id' || param.def.code === '_lastUpdated') continue;
    indexParam(param, resource, idx);
    if (param.def.type === 'string' && hasPrefixIndex(resource.resourceType, param.def.code)) addPrefixes(param.def.code, idx);
  }
  const compartments = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) compartments.add(`Patient/${resource.id}`);
  for (const code of patientCompartmentParams(resource.resourceType)) {
    for (const ref of (idx[code] as string[] | undefined) ?? []) if (PATIENT_REF.test(ref)) compartments.add(ref);
  }
  // Binary is in no compartment, but its securityContext names whose data it is (binary.html)
  const securityContext = resource.resourceType === 'Binary' ? (resource as Binary).securityContext?.reference : undefined;
  if (securityContext && PATIENT_REF.test(securityContext)) compartments.add(securityContext);
  return { idx, compartments: [...compartments] };
}
