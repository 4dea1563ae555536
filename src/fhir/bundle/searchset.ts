import type { Bundle, BundleEntry, BundleLink, FhirResource, Resource } from 'fhir/r4';
import { randomUUID } from 'node:crypto';
import { badRequest } from '../outcome';

/** Small builders shared by operations that answer with a searchset Bundle ($everything, $lastn). */

export function searchEntry(baseUrl: string, resource: Resource, mode: 'match' | 'include'): BundleEntry {
  return { fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id}`, resource: resource as FhirResource, search: { mode } };
}

export function searchset(entry: BundleEntry[], link: BundleLink[], total?: number): Bundle {
  const bundle: Bundle = { resourceType: 'Bundle', id: randomUUID(), meta: { lastUpdated: new Date().toISOString() }, type: 'searchset' };
  if (total !== undefined) bundle.total = total;
  bundle.link = link;
  bundle.entry = entry;
  return bundle;
}

/** `base/path?a=1&b=2` with the pairs URL-encoded. */
export function linkUrl(baseUrl: string, path: string, query: Array<[string, string]>): string {
  const qs = new URLSearchParams(query).toString();
  return qs ? `${baseUrl}/${path}?${qs}` : `${baseUrl}/${path}`;
}

/** One operation parameter as a string: GET gives strings, POST Parameters gives value[x]. */
export function stringParameter(parameters: Map<string, unknown[]>, name: string): string | undefined {
  const values = parameters.get(name);
  if (!values || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`Parameter ${name} may be given only once`);
  const value = values[0];
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest(`Parameter ${name} must be a primitive value`);
}

/** Every value of a parameter as strings (comma lists kept as given). */
export function stringParameters(parameters: Map<string, unknown[]>, name: string): string[] {
  return (parameters.get(name) ?? []).map((value) => {
    if (typeof value === 'string') return value;
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw badRequest(`Parameter ${name} must be a primitive value`);
  });
}

export function positiveInt(text: string | undefined, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,9}$/.test(text) || Number(text) < 1) throw badRequest(`Parameter ${name} must be a positive integer, not '${text}'`);
  return Math.min(Number(text), max);
}

/** Every `Type/id` literal reference in a resource (contained `#x` and absolute URLs skipped). */
export function collectReferences(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) if (typeof item === 'object' && item !== null) collectReferences(item, into);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'reference' && typeof value === 'string') {
      if (/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(value)) into.add(value);
    } else if (typeof value === 'object' && value !== null) {
      collectReferences(value, into);
    }
  }
}
