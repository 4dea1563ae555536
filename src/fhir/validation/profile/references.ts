import { structureDefinition } from '../../definitions/structure-definitions';
import type { TypeRef } from './element-tree';

/**
 * Reference targets (ElementDefinition.type.targetProfile) judged locally, without fetching:
 * the target type is read from Reference.type, from a relative or absolute literal reference
 * (`Patient/1`, `https://x/fhir/Patient/1/_history/2`) or, for `#id`, from the contained
 * resource. A reference whose type cannot be read this way (urn:uuid:, identifier only) is
 * not judged.
 */
const LITERAL = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function referencedType(reference: unknown, resource: unknown): string | undefined {
  if (typeof reference !== 'object' || reference === null) return undefined;
  const { type, reference: literal } = reference as { type?: unknown; reference?: unknown };
  if (typeof literal === 'string') {
    if (literal.startsWith('#')) {
      const contained = (resource as { contained?: unknown } | null)?.contained;
      const target = Array.isArray(contained) ? contained.find((c) => (c as { id?: unknown })?.id === literal.slice(1)) : undefined;
      const found = (target as { resourceType?: unknown } | undefined)?.resourceType;
      return typeof found === 'string' ? found : undefined;
    }
    const match = LITERAL.exec(literal);
    if (match) return match[1];
  }
  if (typeof type === 'string' && /^[A-Z][A-Za-z]+$/.test(type)) return type;
  return undefined;
}

const allowed = new WeakMap<TypeRef, ReadonlySet<string> | null>();

/** Resource types a Reference may point to; undefined when any type is allowed. */
export function allowedTargets(typeRef: TypeRef): ReadonlySet<string> | undefined {
  const cached = allowed.get(typeRef);
  if (cached !== undefined) return cached ?? undefined;
  let result: Set<string> | null = null;
  if (typeRef.targetProfiles.length > 0) {
    result = new Set();
    for (const url of typeRef.targetProfiles) {
      const type = structureDefinition(url)?.type;
      if (!type || type === 'Resource' || type === 'DomainResource') {
        result = null;
        break;
      }
      result.add(type);
    }
  }
  allowed.set(typeRef, result);
  return result ?? undefined;
}
