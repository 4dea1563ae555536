/**
 * dom-3, checked natively: every contained resource is referenced from elsewhere in the resource
 * (a `#id` reference or canonical), or the resource refers to itself with `#`. The HL7 expression
 * relies on `as()` over collections, which the fhirpath engine rightly refuses, and on typed
 * canonicals inside %resource; a plain walk over the strings of the resource is exact and cheap.
 */
export function unreferencedContained(resource: Record<string, unknown>): number[] {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return [];
  const references = new Set<string>();
  collectHashStrings(resource, references);
  if (references.has('#')) return [];
  const result: number[] = [];
  contained.forEach((item, index) => {
    const id = (item as { id?: unknown } | null)?.id;
    if (typeof id !== 'string' || !references.has(`#${id}`)) result.push(index);
  });
  return result;
}

function collectHashStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('#')) into.add(value);
    return;
  }
  if (Array.isArray(value)) {
    for (const item of value) collectHashStrings(item, into);
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) if (key !== 'div') collectHashStrings(item, into);
  }
}
