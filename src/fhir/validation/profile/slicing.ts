import { childrenSource, treeOf, type Discriminator, type ElementNode, type ElementTree } from './element-tree';
import { allowedTargets, referencedType } from './references';
import { newRun, report, type Run } from './run';
import { deepEqual, matchesPattern, navigate } from './values';

/** The walker's entry points, passed in (not imported) to keep the module graph acyclic. */
export interface Walk {
  value(node: ElementNode, entry: Entry, run: Run): void;
  tree(tree: ElementTree, resource: Record<string, unknown>, run: Run): void;
}

export interface Entry {
  value: unknown;
  /** The `_name` object of a primitive (id / extension), if any. */
  extension: unknown;
  /** Type carried by the JSON property, e.g. `Quantity` for `valueQuantity`. */
  type: string | undefined;
  location: string;
}

/**
 * Slicing (R4 profiling.html#slicing): each item goes to the first slice whose discriminators
 * all match (value, pattern, type, profile, exists); matched items are validated against the
 * slice, the rest against the sliced element. Then each slice's cardinality, and `closed` rules.
 * When a discriminator cannot be evaluated (resolve(), a slice without a fixed value...), the
 * items are validated against the sliced element only: no slice verdict is guessed.
 */
type Verdict = boolean | 'unknown';

export function validateSlices(element: ElementNode, entries: Entry[], location: string, run: Run, walk: Walk): void {
  const slicing = element.slicing;
  if (!slicing) return;
  const assigned: Array<ElementNode | undefined> = [];
  for (const entry of entries) {
    let match: ElementNode | undefined;
    for (const slice of element.slices) {
      const verdict = matchesSlice(slicing.discriminators, slice, entry, run, walk);
      if (verdict === 'unknown') {
        for (const e of entries) walk.value(element, e, run);
        return;
      }
      if (verdict) {
        match = slice;
        break;
      }
    }
    assigned.push(match);
  }
  entries.forEach((entry, i) => {
    const slice = assigned[i];
    if (slice) {
      walk.value(slice, entry, run);
      return;
    }
    if (slicing.closed) {
      report(run, 'error', 'structure', `${element.path}: this item matches none of the slices and the slicing is closed`, entry.location);
    }
    walk.value(element, entry, run);
  });
  for (const slice of element.slices) {
    const count = assigned.filter((s) => s === slice).length;
    if (count < slice.min) {
      report(run, 'error', 'required', `Slice '${slice.sliceName ?? ''}' of ${element.path}: minimum required = ${slice.min}, but only found ${count}`, location);
    }
    if (count > slice.max) {
      const extra = entries.filter((_, i) => assigned[i] === slice)[slice.max];
      report(run, 'error', 'structure', `Slice '${slice.sliceName ?? ''}' of ${element.path}: maximum allowed = ${slice.max}, but found ${count}`, extra?.location ?? location);
    }
  }
}

function matchesSlice(discriminators: Discriminator[], slice: ElementNode, entry: Entry, run: Run, walk: Walk): Verdict {
  for (const discriminator of discriminators) {
    const verdict = matchesDiscriminator(discriminator, slice, entry, run, walk);
    if (verdict !== true) return verdict;
  }
  return true;
}

function matchesDiscriminator(d: Discriminator, slice: ElementNode, entry: Entry, run: Run, walk: Walk): Verdict {
  switch (d.type) {
    case 'value':
    case 'pattern': {
      const expected = expectedAt(slice, d.path === '$this' ? [] : d.path.split('.'), entry.type);
      const actual = navigate(entry.value, d.path);
      if (!expected || !actual) return 'unknown';
      return actual.some((v) => expected.values.some((e) => (expected.exact ? deepEqual(v, e) : matchesPattern(v, e))));
    }
    case 'exists': {
      const target = d.path === '$this' ? slice : elementAt(slice, d.path.split('.'), entry.type);
      const actual = navigate(entry.value, d.path);
      if (!target || !actual) return 'unknown';
      if (target.min >= 1) return actual.length > 0;
      if (target.max === 0) return actual.length === 0;
      return 'unknown';
    }
    case 'type': {
      if (d.path.endsWith('.resolve()')) return matchesTargetType(d.path.slice(0, -'.resolve()'.length), slice, entry, run);
      if (d.path !== '$this' || slice.types.length !== 1) return 'unknown';
      const record = entry.value as { resourceType?: unknown } | null;
      const actual = entry.type === 'Resource' || entry.type === undefined ? record?.resourceType : entry.type;
      return typeof actual === 'string' ? actual === slice.types[0]?.code : 'unknown';
    }
    case 'profile': {
      const profile = slice.types[0]?.profiles[0];
      const tree = profile ? treeOf(profile) : undefined;
      if (d.path !== '$this' || !tree || typeof entry.value !== 'object' || entry.value === null) return 'unknown';
      const probe = newRun([], new Set(), profile, run.resource, run.rootResource);
      probe.probing = true;
      if (tree.root.types.length === 0 && tree.type !== entry.type) walk.tree(tree, entry.value as Record<string, unknown>, probe);
      else walk.value(tree.root, { ...entry, type: tree.type }, probe);
      return probe.errorCount === 0;
    }
    default:
      return 'unknown';
  }
}

/** `actor.resolve()` type discriminators: the reference's type (read locally) against the slice's target types. */
function matchesTargetType(path: string, slice: ElementNode, entry: Entry, run: Run): Verdict {
  const target = elementAt(slice, path.split('.'), entry.type);
  const typeRef = target?.types.find((t) => t.code === 'Reference');
  const allowed = typeRef ? allowedTargets(typeRef) : undefined;
  const references = navigate(entry.value, path);
  if (!allowed || !references) return 'unknown';
  return references.some((r) => {
    const type = referencedType(r, run.resource);
    return type !== undefined && allowed.has(type);
  });
}

function childNamed(node: ElementNode, name: string, type: string | undefined): ElementNode | undefined {
  const source = childrenSource(node, node.types.length === 1 ? node.types[0]?.code : type);
  return source?.children.find((c) => c.name === name || c.choicePrefix === name);
}

function elementAt(start: ElementNode, segments: string[], type: string | undefined): ElementNode | undefined {
  let node: ElementNode | undefined = start;
  for (const segment of segments) {
    if (!node) return undefined;
    node = childNamed(node, segment, node === start ? type : undefined);
  }
  return node;
}

/**
 * The values a discriminator path must have in `slice`: a fixed or pattern value at the path, or
 * above it (then the rest of the path is read inside that value), or — below a sliced element
 * without one — the values its slices fix (e.g. `code.coding.code` of the bp components).
 */
function expectedAt(node: ElementNode, segments: string[], type: string | undefined, at = 0): { exact: boolean; values: unknown[] } | undefined {
  const fixedOrPattern = node.fixed !== undefined ? node.fixed : node.pattern;
  if (fixedOrPattern !== undefined) {
    const rest = segments.slice(at);
    const values = rest.length === 0 ? [fixedOrPattern] : navigate(fixedOrPattern, rest.join('.'));
    return values && values.length > 0 ? { exact: node.fixed !== undefined, values } : undefined;
  }
  if (at >= segments.length) return undefined;
  const child = childNamed(node, segments[at] as string, at === 0 ? type : undefined);
  if (!child) return undefined;
  const direct = expectedAt(child, segments, undefined, at + 1);
  if (direct) return direct;
  const fromSlices = child.slices.map((s) => expectedAt(s, segments, undefined, at + 1)).filter((r) => r !== undefined);
  if (fromSlices.length === 0) return undefined;
  return { exact: fromSlices.every((r) => r.exact), values: fromSlices.flatMap((r) => r.values) };
}
