import type { SearchParameter } from 'fhir/r4';
import { extraSearchParameters } from './extra-search-parameters';
import { isHl7Canonical, readDefinitionFile } from './files';
import { isResourceType, resourceTypeNames } from './resource-types';

/**
 * The HL7 R4 SearchParameter definitions (search-parameters.json), sliced per resource type.
 * A definition shared by many types (`clinical-patient`) carries one union expression
 * (`AllergyIntolerance.patient | CarePlan.subject... | Observation.subject...`); each type keeps
 * only its own branches so that indexing evaluates nothing that cannot apply.
 */
export type SearchParamType = 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';

export interface CompositePart {
  /** The component's own parameter (its type decides the encoding). */
  type: SearchParamType;
  /** FHIRPath relative to the element selected by the composite's expression. */
  expression: string;
}

export interface SearchParamDef {
  code: string;
  url: string;
  type: SearchParamType;
  description: string;
  /** FHIRPath restricted to this resource type; undefined when the parameter has no expression. */
  expression?: string;
  /** Reference targets (resource types). */
  targets: string[];
  components: CompositePart[];
}

interface Bundle {
  entry?: Array<{ resource?: SearchParameter }>;
}

/** Parameters without an expression that are handled (or refused) by the engine itself. */
const UNINDEXED = new Set(['_text', '_content', '_query', '_list', '_has', '_type']);

let byType: Map<string, Map<string, SearchParamDef>> | undefined;

/** Splits a FHIRPath union `a | b` at top level (not inside parentheses or quotes). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/**
 * `resolve() is Patient` needs an async resolver: a reference's type is read from its text instead.
 * `x as T` / `x.as(T)` fail on collections of several items (repeating components): `ofType(T)`
 * selects the same values element by element.
 */
function withoutResolve(expression: string): string {
  return expression
    .replace(/\(([^()]+?) as ([A-Za-z]+)\)/g, '$1.ofType($2)')
    .replace(/\.as\(([A-Za-z]+)\)/g, '.ofType($1)')
    .replace(
    /resolve\(\)\s+is\s+([A-Za-z]+)/g,
    (_m, type: string) => `(reference.startsWith('${type}/') or reference.contains('/${type}/'))`,
  );
}

function rootOf(part: string): string | undefined {
  return /^\(*\s*([A-Za-z]+)/.exec(part)?.[1];
}

/** The branches of `expression` that apply to `type`, with Resource/DomainResource roots renamed to it. */
function expressionFor(expression: string, type: string): string | undefined {
  const kept: string[] = [];
  for (const part of splitUnion(expression)) {
    const root = rootOf(part);
    if (root === type) kept.push(part);
    else if (root === 'Resource' || root === 'DomainResource') kept.push(part.replace(root, type));
  }
  return kept.length > 0 ? withoutResolve(kept.join(' | ')) : undefined;
}

function load(): Map<string, Map<string, SearchParamDef>> {
  const bundle = readDefinitionFile<Bundle>('search-parameters.json');
  const hl7 = (bundle.entry ?? []).map((e) => e.resource).filter((r): r is SearchParameter => !!r && isHl7Canonical(r.url));
  // Telefhir's own additions (conformance/SearchParameter-*.json) come after HL7's
  const all = [...hl7, ...extraSearchParameters()];
  const byUrl = new Map(all.map((sp) => [sp.url, sp]));
  const result = new Map<string, Map<string, SearchParamDef>>();
  const types = resourceTypeNames();
  for (const type of types) result.set(type, new Map());
  for (const sp of all) {
    if (UNINDEXED.has(sp.code) || sp.type === 'special') continue;
    const bases = sp.base.includes('Resource') || sp.base.includes('DomainResource') ? types : sp.base;
    for (const base of bases) {
      if (!isResourceType(base)) continue;
      const expression = sp.expression ? expressionFor(sp.expression, base) : undefined;
      if (!expression) continue;
      const components: CompositePart[] = (sp.component ?? []).map((c) => ({
        type: (byUrl.get(c.definition)?.type ?? 'token') as SearchParamType,
        expression: withoutResolve(c.expression),
      }));
      result.get(base)?.set(sp.code, {
        code: sp.code,
        url: sp.url,
        type: sp.type as SearchParamType,
        description: sp.description ?? '',
        expression,
        targets: sp.target ?? [],
        components,
      });
    }
  }
  return result;
}

function ensure(): Map<string, Map<string, SearchParamDef>> {
  byType ??= load();
  return byType;
}

/** The search parameters of `type` by code (empty for unknown types). */
export function searchParameters(type: string): ReadonlyMap<string, SearchParamDef> {
  return ensure().get(type) ?? new Map();
}

export function searchParameter(type: string, code: string): SearchParamDef | undefined {
  return ensure().get(type)?.get(code);
}
