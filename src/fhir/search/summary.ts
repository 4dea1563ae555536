import type { Resource } from 'fhir/r4';
import { baseResourceDefinitions } from '../definitions/structure-definitions';

/**
 * _summary and _elements (search.html#summary, #elements): top-level element selection from the
 * R4 StructureDefinitions (isSummary and min >= 1), tagged SUBSETTED as the spec requires.
 */
interface TypeElements {
  summary: Set<string>;
  mandatory: Set<string>;
  choices: string[];
}

let byType: Map<string, TypeElements> | undefined;

function load(): Map<string, TypeElements> {
  const result = new Map<string, TypeElements>();
  for (const sd of baseResourceDefinitions()) {
    if (sd.kind !== 'resource') continue;
    const entry: TypeElements = { summary: new Set(), mandatory: new Set(), choices: [] };
    for (const element of sd.snapshot?.element ?? []) {
      const parts = element.path.split('.');
      if (parts.length !== 2) continue;
      const name = parts[1] as string;
      const base = name.endsWith('[x]') ? name.slice(0, -3) : name;
      if (name.endsWith('[x]')) entry.choices.push(base);
      if (element.isSummary) entry.summary.add(base);
      if ((element.min ?? 0) > 0) entry.mandatory.add(base);
    }
    result.set(sd.type, entry);
  }
  return result;
}

function elementsOf(type: string): TypeElements {
  byType ??= load();
  return byType.get(type) ?? { summary: new Set(), mandatory: new Set(), choices: [] };
}

/** The top-level element a JSON key belongs to (`valueQuantity` → `value`, `_birthDate` → `birthDate`). */
function elementName(key: string, choices: string[]): string {
  const plain = key.startsWith('_') ? key.slice(1) : key;
  for (const choice of choices) {
    if (plain.startsWith(choice) && plain.length > choice.length && /[A-Z]/.test(plain[choice.length] as string)) return choice;
  }
  return plain;
}

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

function subsetted(resource: Resource, keep: (name: string) => boolean): Resource {
  const info = elementsOf(resource.resourceType);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'resourceType' || key === 'id' || key === 'meta' || keep(elementName(key, info.choices))) out[key] = value;
  }
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []), SUBSETTED];
  out.meta = meta;
  return out as unknown as Resource;
}

export function applySummary(resource: Resource, summary: 'true' | 'text' | 'data'): Resource {
  const info = elementsOf(resource.resourceType);
  if (summary === 'true') return subsetted(resource, (name) => info.summary.has(name));
  if (summary === 'text') return subsetted(resource, (name) => name === 'text' || info.mandatory.has(name));
  return subsetted(resource, (name) => name !== 'text');
}

export function applyElements(resource: Resource, elements: string[]): Resource {
  const info = elementsOf(resource.resourceType);
  const wanted = new Set(elements.map((e) => (e.includes('.') ? (e.split('.')[1] as string) : e)).filter((e) => e !== resource.resourceType));
  return subsetted(resource, (name) => wanted.has(name) || info.mandatory.has(name));
}
