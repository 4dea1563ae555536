import type { CodeSystem, CodeSystemConcept, ValueSet, ValueSetComposeInclude } from 'fhir/r4';
import { isHl7Canonical, readDefinitionFile } from './files';
import { stripVersion } from './structure-definitions';

/**
 * Local expansion of the HL7 ValueSets (valuesets.json, v3-codesystems.json, v2-tables.json).
 * Only what can be expanded exactly is expanded: whole code systems whose content is complete,
 * explicit concept lists, is-a / descendent-of filters on the concept hierarchy, other value sets
 * and excludes of the same kinds. Anything else (SNOMED CT, LOINC, UCUM grammar, BCP-47, MIME
 * types, property filters...) is `undefined`, and the validator then skips the binding: it never
 * fails a code it cannot judge.
 */
export interface Expansion {
  /** `system|code` of every member. */
  readonly keys: ReadonlySet<string>;
  /** The bare codes, for `code` elements that carry no system. */
  readonly codes: ReadonlySet<string>;
}

interface Bundle {
  entry?: Array<{ resource?: { resourceType?: string; url?: string } }>;
}

interface CodeSystemIndex {
  /** code → its concept (children included), in a flattened map. */
  concepts: Map<string, CodeSystemConcept>;
  complete: boolean;
  /** Parents given by properties rather than nesting: is-a filters cannot be trusted then. */
  propertyHierarchy: boolean;
}

let codeSystems: Map<string, CodeSystemIndex> | undefined;
let valueSets: Map<string, ValueSet> | undefined;
const expansions = new Map<string, Expansion | null>();

function load(): void {
  if (codeSystems && valueSets) return;
  const systems = new Map<string, CodeSystemIndex>();
  const sets = new Map<string, ValueSet>();
  for (const file of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
    for (const entry of readDefinitionFile<Bundle>(file).entry ?? []) {
      const resource = entry.resource;
      if (!resource?.url) continue;
      if (!isHl7Canonical(resource.url) && !resource.url.startsWith('http://terminology.hl7.org/')) continue;
      if (resource.resourceType === 'ValueSet' && !sets.has(resource.url)) sets.set(resource.url, resource as ValueSet);
      if (resource.resourceType === 'CodeSystem') {
        const cs = resource as CodeSystem;
        if (!systems.has(cs.url as string)) systems.set(cs.url as string, indexCodeSystem(cs));
      }
    }
  }
  codeSystems = systems;
  valueSets = sets;
}

function indexCodeSystem(cs: CodeSystem): CodeSystemIndex {
  const concepts = new Map<string, CodeSystemConcept>();
  let propertyHierarchy = false;
  const walk = (list: CodeSystemConcept[] | undefined) => {
    for (const concept of list ?? []) {
      concepts.set(concept.code, concept);
      if (concept.property?.some((p) => p.code === 'subsumedBy' || p.code === 'parent')) propertyHierarchy = true;
      walk(concept.concept);
    }
  };
  walk(cs.concept);
  return { concepts, complete: cs.content === 'complete' && concepts.size > 0, propertyHierarchy };
}

/** The expansion of a ValueSet canonical (a `|version` suffix is ignored), or undefined when it cannot be computed locally. */
export function expandValueSet(canonical: string): Expansion | undefined {
  const url = stripVersion(canonical);
  const cached = expansions.get(url);
  if (cached !== undefined) return cached ?? undefined;
  expansions.set(url, null); // guards against value sets that include themselves
  load();
  const keys = expandKeys(url, new Set());
  const result = keys ? { keys, codes: new Set([...keys].map((k) => k.slice(k.lastIndexOf('|') + 1))) } : null;
  expansions.set(url, result);
  return result ?? undefined;
}

function expandKeys(url: string, seen: Set<string>): Set<string> | undefined {
  const vs = valueSets?.get(url);
  if (!vs || seen.has(url)) return undefined;
  seen.add(url);
  const compose = vs.compose;
  if (!compose || !compose.include?.length) return fromExpansion(vs);
  const result = new Set<string>();
  for (const include of compose.include) {
    const part = expandInclude(include, seen);
    if (!part) return fromExpansion(vs);
    for (const key of part) result.add(key);
  }
  for (const exclude of compose.exclude ?? []) {
    const part = expandInclude(exclude, seen);
    if (!part) return fromExpansion(vs);
    for (const key of part) result.delete(key);
  }
  return result;
}

/** A pre-computed expansion shipped with the ValueSet, when complete. */
function fromExpansion(vs: ValueSet): Set<string> | undefined {
  const contains = vs.expansion?.contains;
  if (!contains?.length || (vs.expansion?.total !== undefined && vs.expansion.total !== contains.length)) return undefined;
  const result = new Set<string>();
  const walk = (list: typeof contains) => {
    for (const c of list) {
      if (c.system && c.code) result.add(`${c.system}|${c.code}`);
      if (c.contains) walk(c.contains);
    }
  };
  walk(contains);
  return result;
}

function expandInclude(include: ValueSetComposeInclude, seen: Set<string>): Set<string> | undefined {
  let result: Set<string> | undefined;
  if (include.system) {
    result = expandSystemPart(include);
    if (!result) return undefined;
  }
  for (const other of include.valueSet ?? []) {
    const part = expandKeys(stripVersion(other), new Set(seen));
    if (!part) return undefined;
    result = result ? new Set([...result].filter((k) => part.has(k))) : part;
  }
  return result;
}

function expandSystemPart(include: ValueSetComposeInclude): Set<string> | undefined {
  const system = include.system as string;
  if (include.concept?.length) {
    if (include.filter?.length) return undefined;
    return new Set(include.concept.map((c) => `${system}|${c.code}`));
  }
  const cs = codeSystems?.get(system);
  if (!cs?.complete) return undefined;
  let codes: Iterable<string> = cs.concepts.keys();
  for (const filter of include.filter ?? []) {
    if (cs.propertyHierarchy) return undefined;
    if (filter.property !== 'concept' || (filter.op !== 'is-a' && filter.op !== 'descendent-of')) return undefined;
    const root = cs.concepts.get(filter.value);
    if (!root) return undefined;
    const below = descendants(root, filter.op === 'is-a');
    codes = [...codes].filter((c) => below.has(c));
  }
  return new Set([...codes].map((code) => `${system}|${code}`));
}

function descendants(root: CodeSystemConcept, includeSelf: boolean): Set<string> {
  const result = new Set<string>(includeSelf ? [root.code] : []);
  const walk = (list: CodeSystemConcept[] | undefined) => {
    for (const c of list ?? []) {
      result.add(c.code);
      walk(c.concept);
    }
  };
  walk(root.concept);
  return result;
}
