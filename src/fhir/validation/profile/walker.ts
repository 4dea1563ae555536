import { bindingViolation } from './bindings';
import { baseTreeOf, childrenSource, isPrimitiveType, type ElementNode, type ElementTree, type Invariant } from './element-tree';
import { unreferencedContained } from './contained';
import { checkInvariant } from './invariants';
import { allowedTargets, referencedType } from './references';
import { newRun, report, type Run } from './run';
import { capitalize } from './snapshot';
import { validateSlices, type Entry, type Walk } from './slicing';
import { deepEqual, describe, matchesPattern } from './values';

/**
 * Walks a resource against a compiled element tree: cardinality of every child (backbone
 * elements and data types included), allowed types of choice elements, fixed/pattern values,
 * required bindings, slicing, invariants (FHIRPath) and the natively checked ele-1 / ext-1.
 * Locations are FHIRPath with indices, e.g. `Observation.component[1].code`.
 */
export function validateTree(tree: ElementTree, resource: Record<string, unknown>, run: Run, location: string = tree.type): void {
  validateValue(tree.root, { value: resource, extension: undefined, type: tree.type, location }, run);
}

/** Validates one value (one array item) against `node`. */
export function validateValue(node: ElementNode, entry: Entry, run: Run): void {
  const { value, type, location } = entry;
  if (value === undefined || value === null) {
    validatePrimitiveExtension(entry, run);
    return;
  }
  if (node.fixed !== undefined && !deepEqual(value, node.fixed)) {
    report(run, 'error', 'value', `${node.path}: value must be exactly ${describe(node.fixed)}, found ${describe(value)}`, location);
  } else if (node.pattern !== undefined && !matchesPattern(value, node.pattern)) {
    report(run, 'error', 'value', `${node.path}: value must match the pattern ${describe(node.pattern)}`, location);
  }
  if (node.requiredBinding) {
    const bad = bindingViolation(node.requiredBinding, type, value);
    if (bad !== undefined) {
      report(run, 'error', 'code-invalid', `${node.path}: '${describe(bad)}' is not in the required value set ${node.requiredBinding}`, location);
    }
  }
  if (typeof value !== 'object') {
    validatePrimitiveExtension(entry, run);
    runInvariants(node.invariants, undefined, entry, node, run);
    return;
  }
  const record = value as Record<string, unknown>;
  if (node === node.tree.root && node.types.length === 0) checkContained(record, location, run);
  else if (typeof record.resourceType === 'string' && (type === 'Resource' || node.types.some((t) => t.code === 'Resource'))) {
    validateNestedResource(record, location, run);
    return;
  }
  if (type === 'Extension') checkExtension(record, location, run);
  else if (type === 'Reference') checkTarget(node, record, location, run);
  const source = childrenSource(node, type);
  if (source) validateChildren(source, record, location, run);
  runInvariants(node.invariants, source && source !== node && source === source.tree.root ? source.invariants : undefined, entry, node, run);
}

/** A contained resource, Bundle.entry.resource or Parameters resource: checked against its base definition. */
function validateNestedResource(resource: Record<string, unknown>, location: string, run: Run): void {
  const tree = baseTreeOf(resource.resourceType as string);
  if (!tree) {
    report(run, 'error', 'structure', `Unknown resource type '${describe(resource.resourceType)}'`, location);
    return;
  }
  const inner = newRun(run.issues, run.seen, undefined, resource, run.rootResource, run.bestPractice, run.limit);
  inner.probing = run.probing;
  validateTree(tree, resource, inner, location);
  run.errorCount += inner.errorCount;
}

function checkContained(resource: Record<string, unknown>, location: string, run: Run): void {
  for (const index of unreferencedContained(resource)) {
    report(run, 'error', 'invariant', 'Constraint dom-3 failed: If the resource is contained in another resource, it SHALL be referred to from elsewhere in the resource', `${location}.contained[${index}]`);
  }
}

function checkTarget(node: ElementNode, reference: Record<string, unknown>, location: string, run: Run): void {
  const typeRef = node.types.find((t) => t.code === 'Reference');
  const targets = typeRef ? allowedTargets(typeRef) : undefined;
  if (!targets) return;
  const target = referencedType(reference, run.resource);
  if (target !== undefined && !targets.has(target)) {
    report(run, 'error', 'structure', `${node.path}: a reference to ${target} is not allowed here (allowed: ${[...targets].join(', ')})`, location);
  }
}

function checkExtension(record: Record<string, unknown>, location: string, run: Run): void {
  const hasValue = Object.keys(record).some((k) => k.startsWith('value'));
  const hasExtensions = Array.isArray(record.extension) && record.extension.length > 0;
  if (hasValue === hasExtensions) {
    report(run, 'error', 'invariant', 'Constraint ext-1 failed: Must have either extensions or value[x], not both', location);
  }
}

function validatePrimitiveExtension(entry: Entry, run: Run): void {
  const ext = entry.extension;
  if (ext === undefined || ext === null) {
    if (entry.value === undefined || entry.value === null) {
      report(run, 'error', 'invariant', 'Constraint ele-1 failed: All FHIR elements must have a @value or children', entry.location);
    }
    return;
  }
  if (typeof ext !== 'object' || !entry.type) return;
  const primitive = baseTreeOf(entry.type);
  if (primitive) validateChildren(primitive.root, ext as Record<string, unknown>, entry.location, run);
}

const IGNORED_KEYS: ReadonlySet<string> = new Set(['resourceType', 'fhir_comments']);

/** The children of `source` as found in `record`: cardinality, types, then each value. */
export function validateChildren(source: ElementNode, record: Record<string, unknown>, location: string, run: Run): void {
  let found: Map<ElementNode, string[]> | undefined;
  let meaningful = false;
  for (const key of Object.keys(record)) {
    const hit = source.keys.get(key);
    if (!hit && IGNORED_KEYS.has(key)) continue;
    if (key !== 'id') meaningful = true;
    if (!hit) {
      reportUnknown(source, key, location, run);
      continue;
    }
    if (hit.primitiveExtension && key.slice(1) in record) continue; // counted with its value
    found ??= new Map();
    const name = hit.primitiveExtension ? key.slice(1) : key;
    const keys = found.get(hit.child);
    if (keys) keys.push(name);
    else found.set(hit.child, [name]);
  }
  // ele-1 constrains elements; a resource may be empty (only its resourceType)
  const isResource = source === source.tree.root && source.tree.kind === 'resource';
  if (!meaningful && !isResource) report(run, 'error', 'invariant', 'Constraint ele-1 failed: All FHIR elements must have a @value or children', location);
  for (const child of source.children) {
    const keys = found?.get(child);
    if (!keys) {
      if (child.min > 0) report(run, 'error', 'required', `${child.path}: minimum required = ${child.min}, but only found 0`, `${location}.${child.choicePrefix ?? child.name}`);
      if (child.slicing && child.slices.some((s) => s.min > 0)) validateSlices(child, [], `${location}.${child.choicePrefix ?? child.name}`, run, WALK);
      continue;
    }
    if (keys.length > 1) {
      report(run, 'error', 'structure', `${child.path}: only one type of a choice element is allowed, found ${keys.join(', ')}`, `${location}.${keys[1]}`);
    }
    const entries = entriesOf(source, record, keys[0] as string, location);
    if (entries.length < child.min) {
      report(run, 'error', 'required', `${child.path}: minimum required = ${child.min}, but only found ${entries.length}`, `${location}.${child.choicePrefix ?? child.name}`);
    }
    if (entries.length > child.max) {
      const where = entries[child.max]?.location ?? `${location}.${keys[0] as string}`;
      report(run, 'error', 'structure', `${child.path}: maximum allowed = ${child.max}, but found ${entries.length}`, where);
    }
    if (child.slicing && child.slices.length > 0) validateSlices(child, entries, `${location}.${child.choicePrefix ?? child.name}`, run, WALK);
    else for (const entry of entries) validateValue(child, entry, run);
  }
}

function reportUnknown(source: ElementNode, key: string, location: string, run: Run): void {
  const choice = source.children.find((c) => c.choicePrefix !== undefined && key.startsWith(c.choicePrefix) && /^[A-Z]/.test(key.charAt(c.choicePrefix.length)));
  if (choice) {
    const allowed = choice.types.map((t) => choice.choicePrefix + capitalize(t.code)).join(', ');
    report(run, 'error', 'structure', `${choice.path}: type ${key.slice(choice.choicePrefix?.length ?? 0)} is not allowed here (allowed: ${allowed})`, `${location}.${key}`);
    return;
  }
  report(run, 'error', 'structure', `Unknown element '${key}' in ${source.path}`, `${location}.${key}`);
}

/** One entry per array item, pairing a primitive's values with its `_name` extensions by index. */
function entriesOf(source: ElementNode, record: Record<string, unknown>, key: string, location: string): Entry[] {
  const raw = record[key];
  const rawExt = record[`_${key}`];
  const type = source.keys.get(key)?.type;
  if (!Array.isArray(raw) && !Array.isArray(rawExt)) return [{ value: raw, extension: rawExt, type, location: `${location}.${key}` }];
  const values = Array.isArray(raw) ? raw : [];
  const extensions = Array.isArray(rawExt) ? rawExt : [];
  const count = Math.max(values.length, extensions.length);
  const result: Entry[] = [];
  for (let i = 0; i < count; i++) result.push({ value: values[i], extension: extensions[i], type, location: `${location}.${key}[${i}]` });
  return result;
}

function runInvariants(own: Invariant[], fromType: Invariant[] | undefined, entry: Entry, node: ElementNode, run: Run): void {
  if (own.length === 0 && !fromType?.length) return;
  const base = typePath(node, entry.type);
  const done = fromType?.length ? new Set<string>() : undefined;
  for (const list of fromType?.length ? [own, fromType] : [own]) {
    for (const invariant of list) {
      if (invariant.bestPractice && !run.bestPractice) continue;
      if (done) {
        if (done.has(invariant.key)) continue;
        done.add(invariant.key);
      }
      const typeBase = list === own ? base : entry.type;
      if (checkInvariant(invariant, entry.value, typeBase, run.resource, run.rootResource) === 'fail') {
        report(run, invariant.severity, 'invariant', `Constraint ${invariant.key} failed: ${invariant.human}`, entry.location);
      }
    }
  }
}

/** The element path with the actual type of a choice, e.g. `Observation.effectiveDateTime`, for FHIRPath typing. */
function typePath(node: ElementNode, type: string | undefined): string | undefined {
  if (node.choicePrefix === undefined) return node.path;
  if (!type) return undefined;
  return `${node.path.slice(0, -3)}${capitalize(type)}`;
}

const WALK: Walk = { value: (node, entry, run) => validateValue(node, entry, run), tree: (tree, resource, run) => validateTree(tree, resource, run) };

export type { Entry };
export { isPrimitiveType };
