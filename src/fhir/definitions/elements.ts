import type { ElementDefinition } from 'fhir/r4';
import { baseDefinition } from './structure-definitions';

/**
 * What the base definitions say of one element, by its path in a type (`Patient.contact.name`,
 * `HumanName.given`, `Observation.component.value`): whether it repeats and, for a choice element
 * (`value[x]`), that it is one. Cached per path: patches and other element-level work ask often.
 */
export interface ElementFacts {
  repeats: boolean;
  choice: boolean;
}

const cache = new Map<string, ElementFacts | null>();

export function elementFacts(path: string): ElementFacts | undefined {
  let facts = cache.get(path);
  if (facts === undefined) {
    facts = lookup(path);
    cache.set(path, facts);
  }
  return facts ?? undefined;
}

function lookup(path: string): ElementFacts | null {
  const type = path.split('.')[0] as string;
  const elements: ElementDefinition[] = baseDefinition(type)?.snapshot?.element ?? [];
  for (const element of elements) {
    if (element.path === path) return { repeats: element.max !== '1' && element.max !== '0', choice: false };
    if (element.path === `${path}[x]`) return { repeats: element.max !== '1' && element.max !== '0', choice: true };
  }
  return null;
}
