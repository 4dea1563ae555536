import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { readDefinitionFile } from './files';
import { loadHl7Specializations, rememberResourceTypes } from './resource-types';

/**
 * fhir.schema.json restricted to HL7 FHIR 4.0.1.
 * Medplum's copy adds its own resource types and extra properties to HL7 types (Meta.project,
 * Meta.author, Reference.resource, ...). Every property that is not an element of the HL7
 * StructureDefinition behind a schema definition is stripped, so `additionalProperties: false`
 * rejects it; non-HL7 definitions are dropped and the resource union uses ajv's discriminator.
 */
export interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  additionalProperties?: boolean;
  required?: string[];
  oneOf?: JsonSchemaNode[];
  $ref?: string;
  items?: JsonSchemaNode;
  discriminator?: { propertyName: string; mapping?: unknown };
  [key: string]: unknown;
}

export interface FhirJsonSchema {
  $schema?: string;
  id?: string;
  definitions: Record<string, JsonSchemaNode>;
  [key: string]: unknown;
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * JSON property names of every element path that has children: path → names.
 * Medplum patched the snapshots (Meta.project, R5 elements in ResearchStudy, ...) but not the
 * differentials, so a type's own elements come from its differential and only inherited
 * elements (Element.id, Resource.meta, BackboneElement.modifierExtension, ...) from the snapshot.
 */
function allowedProperties(sds: readonly StructureDefinition[]): Map<string, Set<string>> {
  const byDefinition = new Map<string, Set<string>>();
  for (const sd of sds) {
    for (const element of sd.differential?.element ?? []) addElement(byDefinition, element);
    for (const element of sd.snapshot?.element ?? []) {
      if (element.base && element.base.path !== element.path) addElement(byDefinition, element);
    }
  }
  return byDefinition;
}

/**
 * Element path → the path whose definition it reuses, from `contentReference`
 * (`ExplanationOfBenefit.addItem.adjudication` → `ExplanationOfBenefit.item.adjudication`).
 * Such an element has no children of its own: its properties are those of the referenced one.
 */
function contentReferences(sds: readonly StructureDefinition[]): Map<string, string> {
  const targets = new Map<string, string>();
  for (const sd of sds) {
    for (const element of sd.snapshot?.element ?? []) {
      const ref = element.contentReference;
      // R4 writes local references as `#Path`; a canonical prefix (`url#Path`) is tolerated
      if (ref) targets.set(element.path, ref.slice(ref.indexOf('#') + 1));
    }
  }
  return targets;
}

/** The element path that defines the children of `path`, following contentReference chains. */
function definingPath(path: string, references: ReadonlyMap<string, string>): string {
  let current = path;
  for (let hops = 0; hops < 8; hops++) {
    const next = references.get(current);
    if (next === undefined) return current;
    current = next;
  }
  throw new Error(`FHIR schema: contentReference cycle at ${path}`);
}

function addElement(byDefinition: Map<string, Set<string>>, element: ElementDefinition): void {
  const path = element.path;
  const dot = path.lastIndexOf('.');
  if (dot < 0) return;
  const parent = path.slice(0, dot);
  const leaf = path.slice(dot + 1);
  let names = byDefinition.get(parent);
  if (!names) byDefinition.set(parent, (names = new Set()));
  if (leaf.endsWith('[x]')) {
    const base = leaf.slice(0, -3);
    for (const type of element.type ?? []) names.add(base + capitalize(type.code));
  } else {
    names.add(leaf);
  }
}

const REF_PREFIX = '#/definitions/';

/** Builds the restricted schema. Returns it with the sorted list of R4 resource types. */
export function buildHl7Schema(): { schema: FhirJsonSchema; resourceTypes: string[] } {
  const resources = loadHl7Specializations('profiles-resources.json');
  rememberResourceTypes(resources);
  const sds = [...resources, ...loadHl7Specializations('profiles-types.json')];
  const resourceTypes = resources.filter((sd) => sd.kind === 'resource' && !sd.abstract).map((sd) => sd.type).sort();
  const primitives = new Set(sds.filter((sd) => sd.kind === 'primitive-type').map((sd) => sd.type));
  const allowed = allowedProperties(sds);
  const references = contentReferences(sds);
  const source = readDefinitionFile<FhirJsonSchema>('fhir.schema.json');

  const definitions: Record<string, JsonSchemaNode> = {};
  for (const name of primitives) {
    const def = source.definitions[name];
    if (def) definitions[name] = def;
  }
  // Backbone definitions are named loosely by the generator (ElementDefinition_Discriminator is
  // ElementDefinition.slicing.discriminator), so element paths are found by walking the $refs.
  const pathOf = new Map<string, string>();
  const queue: string[] = [];
  for (const sd of sds) {
    if (sd.kind === 'primitive-type' || !source.definitions[sd.type]) continue;
    pathOf.set(sd.type, sd.type);
    queue.push(sd.type);
  }
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    const def = source.definitions[name] as JsonSchemaNode;
    const path = pathOf.get(name) as string;
    const names = allowed.get(path) ?? new Set<string>();
    const isResource = resourceTypes.includes(name);
    // HL7's own schema gives every nested definition `modifierExtension`, even the children of data
    // types typed Element (Timing.repeat, Dosage.doseAndRate, ElementDefinition.binding): kept so
    // the server accepts exactly what the official fhir.schema.json accepts.
    const nested = path.includes('.');
    const properties: Record<string, JsonSchemaNode> = {};
    for (const [prop, propSchema] of Object.entries(def.properties ?? {})) {
      const element = prop.startsWith('_') ? prop.slice(1) : prop;
      if (!names.has(element) && !(isResource && prop === 'resourceType') && !(nested && prop === 'modifierExtension')) continue;
      properties[prop] = propSchema;
      const target = (propSchema.$ref ?? propSchema.items?.$ref)?.slice(REF_PREFIX.length);
      if (!target || prop.startsWith('_') || !source.definitions[target]?.properties) continue;
      const targetPath = definingPath(`${path}.${prop}`, references);
      const known = pathOf.get(target);
      if (known === undefined) {
        pathOf.set(target, targetPath);
        queue.push(target);
      } else if (known !== targetPath && known.includes('.')) {
        // a data type is reached from many elements; a backbone definition must describe one element
        throw new Error(`FHIR schema: ${target} is both ${known} and ${targetPath}`);
      }
    }
    addPrimitiveExtensions(name, properties, primitives);
    // the generated schema omits `type: object`, letting `"maritalStatus": "x"` through
    definitions[name] = { ...def, type: 'object', properties, additionalProperties: false };
  }
  definitions.ResourceList = {
    discriminator: { propertyName: 'resourceType' },
    oneOf: resourceTypes.map((t) => ({ $ref: REF_PREFIX + t })),
  };
  assertReferencesResolve(definitions);
  // `$schema` (draft-06) and `id` are left out: ajv 8 speaks draft-07 and `$id`, and nothing else differs.
  return { schema: { definitions }, resourceTypes };
}

/** A dangling $ref means a property of an HL7 type points at a dropped non-HL7 definition. */
function assertReferencesResolve(definitions: Record<string, JsonSchemaNode>): void {
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(visit);
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !(value.slice(REF_PREFIX.length) in definitions)) {
        throw new Error(`FHIR schema: unresolved ${value}`);
      }
      visit(value);
    }
  };
  visit(definitions);
}

const ELEMENT_REF = `${REF_PREFIX}Element`;

/**
 * Every primitive element may carry id/extensions in its `_name` sibling (R4 json.html#primitive).
 * The generated schema omits `_name` for some of them (canonical, among others), and its arrays
 * refuse the `null` that keeps `_name` aligned with `name`: both are repaired here.
 */
function addPrimitiveExtensions(owner: string, properties: Record<string, JsonSchemaNode>, primitives: ReadonlySet<string>): void {
  for (const [prop, propSchema] of Object.entries(properties)) {
    if (prop.startsWith('_') || prop === 'id' || (owner === 'Extension' && prop === 'url')) continue;
    const target = (propSchema.$ref ?? propSchema.items?.$ref)?.slice(REF_PREFIX.length);
    if (!target || !primitives.has(target) || target === 'xhtml') continue;
    properties[`_${prop}`] = propSchema.items
      ? { type: 'array', items: { anyOf: [{ $ref: ELEMENT_REF }, { type: 'null' }] } }
      : { $ref: ELEMENT_REF };
  }
}
