import type { CapabilityStatementRestResourceSearchParam } from 'fhir/r4';
import { searchParameters } from '../definitions/search-parameters';

const cache = new Map<string, CapabilityStatementRestResourceSearchParam[]>();

/** CapabilityStatement.rest.resource.searchParam entries for `type` (every indexed HL7 parameter). */
export function capabilitySearchParams(type: string): CapabilityStatementRestResourceSearchParam[] {
  let list = cache.get(type);
  if (!list) {
    list = [...searchParameters(type).values()].map((def) => ({
      name: def.code,
      definition: def.url,
      type: def.type as CapabilityStatementRestResourceSearchParam['type'],
      documentation: def.description,
    }));
    cache.set(type, list);
  }
  return list.map((p) => ({ ...p }));
}
