import type { Resource } from 'fhir/r4';
import { readGzipJson, syntheaFiles } from './shared-data';

interface Bundle {
  entry?: Array<{ fullUrl?: string; resource?: Resource }>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/**
 * The resources of the Synthea patient bundles in `../shared/data/synthea`, as JSON templates:
 * `urn:uuid:` references become `Type/id` references, and every UUID is a placeholder that
 * `syntheaResources` suffixes per copy, so that copy k is a patient record of its own (own ids,
 * own compartment) with the realistic mix of types and sizes of a Synthea export.
 */
function templates(): string[] {
  const out: string[] = [];
  const seen = new Set<string>(); // the 2021 batch bundles share organizations between files
  for (const file of syntheaFiles()) {
    const bundle = readGzipJson<Bundle>(file);
    const typeOf = new Map<string, string>();
    for (const e of bundle.entry ?? []) if (e.fullUrl && e.resource) typeOf.set(e.fullUrl, e.resource.resourceType);
    for (const e of bundle.entry ?? []) {
      const resource = e.resource;
      if (!resource) continue;
      if (!resource.id && e.fullUrl?.startsWith('urn:uuid:')) resource.id = e.fullUrl.slice('urn:uuid:'.length);
      if (!resource.id || seen.has(`${resource.resourceType}/${resource.id}`)) continue;
      seen.add(`${resource.resourceType}/${resource.id}`);
      const json = JSON.stringify(resource).replace(/"urn:uuid:([0-9a-f-]{36})"/g, (whole, id: string) => {
        const type = typeOf.get(`urn:uuid:${id}`);
        return type ? JSON.stringify(`${type}/${id}`) : whole;
      });
      out.push(json);
    }
  }
  if (out.length === 0) throw new Error('no Synthea resources found under ../shared/data/synthea');
  return out;
}

/** `count` resources: the Synthea templates repeated, copy k with every UUID suffixed by `-k`. */
export function* syntheaResources(count: number): Generator<Resource> {
  const all = templates();
  for (let n = 0; n < count; n++) {
    const copy = Math.floor(n / all.length);
    const template = all[n % all.length] as string;
    yield JSON.parse(template.replace(UUID, (id) => `${id}-${copy}`)) as Resource;
  }
}
