import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { baseDefinition, structureDefinition } from '../../definitions/structure-definitions';
import { capitalize, snapshotElements } from './snapshot';

/**
 * A StructureDefinition snapshot compiled ONCE into a tree the validator walks without looking
 * anything up by string: children in order, a JSON-key index per element, slices under their
 * sliced element, fixed/pattern values, the required binding and the invariants.
 */
export interface TypeRef {
  code: string;
  profiles: string[];
  /** For Reference / canonical: the profiles (usually resource types) of allowed targets. */
  targetProfiles: string[];
}

export interface Invariant {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  /** Marked best-practice by HL7 (e.g. dom-6): reported by $validate, not on every write. */
  bestPractice: boolean;
}

export interface Discriminator {
  type: 'value' | 'exists' | 'pattern' | 'type' | 'profile';
  path: string;
}

export interface ElementNode {
  id: string;
  path: string;
  /** Element name, e.g. `code` or `value[x]`. */
  name: string;
  /** For a choice element `value[x]`: `value`. */
  choicePrefix?: string;
  sliceName?: string;
  min: number;
  max: number;
  types: TypeRef[];
  fixed?: unknown;
  pattern?: unknown;
  /** ValueSet canonical of a required binding. */
  requiredBinding?: string;
  invariants: Invariant[];
  slicing?: { discriminators: Discriminator[]; closed: boolean };
  slices: ElementNode[];
  children: ElementNode[];
  /** `#Questionnaire.item`: children (and invariants) come from that element. */
  contentReference?: string;
  /** JSON property → child and the type that property carries (`valueQuantity` → value[x], Quantity). */
  keys: Map<string, { child: ElementNode; type: string | undefined; primitiveExtension: boolean }>;
  tree: ElementTree;
}

export interface ElementTree {
  url: string;
  /** The type constrained, e.g. `Observation`. */
  type: string;
  kind: StructureDefinition['kind'];
  /** True for a constraint profile (issues name the profile). */
  isProfile: boolean;
  root: ElementNode;
  byId: Map<string, ElementNode>;
}

const trees = new Map<string, ElementTree | null>();

/** The compiled tree of a StructureDefinition by canonical URL; undefined when unknown or uncompilable. */
export function treeOf(url: string): ElementTree | undefined {
  const cached = trees.get(url);
  if (cached !== undefined) return cached ?? undefined;
  const sd = structureDefinition(url);
  let tree: ElementTree | null = null;
  if (sd) {
    try {
      tree = compile(sd);
    } catch {
      tree = null; // a definition we cannot snapshot is treated as unknown
    }
  }
  trees.set(url, tree);
  return tree ?? undefined;
}

/** The tree of the base definition of a resource or data type. */
export function baseTreeOf(type: string): ElementTree | undefined {
  const sd = baseDefinition(type);
  return sd ? treeOf(sd.url) : undefined;
}

export const isPrimitiveType = (code: string) => /^[a-z]/.test(code) || code.startsWith('http://hl7.org/fhirpath/System.');

function compile(sd: StructureDefinition): ElementTree {
  const elements = snapshotElements(sd);
  const tree = { url: sd.url, type: sd.type, kind: sd.kind, isProfile: sd.derivation === 'constraint', byId: new Map() } as ElementTree;
  for (const element of elements) {
    const node = toNode(element, tree);
    tree.byId.set(node.id, node);
    const { parentId, last } = parentOf(node.id);
    if (!parentId) {
      tree.root = node;
      continue;
    }
    const colon = last.indexOf(':');
    if (colon >= 0) {
      const sliced = tree.byId.get(`${parentId}.${last.slice(0, colon)}`);
      if (sliced) sliced.slices.push(node);
      continue;
    }
    tree.byId.get(parentId)?.children.push(node);
  }
  if (!tree.root) throw new Error(`${sd.url} has no root element`);
  for (const node of tree.byId.values()) indexKeys(node);
  return tree;
}

function parentOf(id: string): { parentId: string; last: string } {
  const dot = id.lastIndexOf('.');
  return dot < 0 ? { parentId: '', last: id } : { parentId: id.slice(0, dot), last: id.slice(dot + 1) };
}

function toNode(e: ElementDefinition, tree: ElementTree): ElementNode {
  const id = e.id ?? e.path;
  const name = e.path.slice(e.path.lastIndexOf('.') + 1);
  const node: ElementNode = {
    id,
    path: e.path,
    name,
    min: e.min ?? 0,
    max: e.max === undefined || e.max === '*' ? Infinity : Number(e.max),
    types: (e.type ?? []).map((t) => ({ code: t.code, profiles: t.profile ?? [], targetProfiles: t.targetProfile ?? [] })),
    invariants: (e.constraint ?? [])
      .filter((c) => typeof c.expression === 'string' && c.expression.length > 0)
      .map((c) => ({
        key: c.key,
        severity: c.severity === 'error' ? 'error' : 'warning',
        human: c.human,
        expression: c.expression as string,
        bestPractice: (c.extension ?? []).some((x) => x.url.endsWith('/elementdefinition-bestpractice') && x.valueBoolean === true),
      })),
    slices: [],
    children: [],
    keys: new Map(),
    tree,
  };
  if (name.endsWith('[x]')) node.choicePrefix = name.slice(0, -3);
  if (e.sliceName) node.sliceName = e.sliceName;
  if (e.contentReference) node.contentReference = e.contentReference.slice(e.contentReference.indexOf('#') + 1);
  if (e.slicing?.discriminator?.length) {
    node.slicing = {
      discriminators: e.slicing.discriminator.map((d) => ({ type: d.type, path: d.path })),
      closed: e.slicing.rules === 'closed',
    };
  }
  if (e.binding?.strength === 'required' && e.binding.valueSet) node.requiredBinding = e.binding.valueSet;
  for (const [key, value] of Object.entries(e)) {
    if (key.startsWith('fixed')) node.fixed = value;
    else if (key.startsWith('pattern')) node.pattern = value;
  }
  return node;
}

/** JSON keys of the children of `node`, including `_x` for primitives and typed keys of choices. */
function indexKeys(node: ElementNode): void {
  for (const child of node.children) {
    if (child.choicePrefix !== undefined) {
      for (const t of child.types) {
        const key = child.choicePrefix + capitalize(t.code);
        node.keys.set(key, { child, type: t.code, primitiveExtension: false });
        if (isPrimitiveType(t.code)) node.keys.set(`_${key}`, { child, type: t.code, primitiveExtension: true });
      }
      continue;
    }
    const type = child.types.length === 1 ? child.types[0]?.code : undefined;
    node.keys.set(child.name, { child, type, primitiveExtension: false });
    if (type !== undefined && isPrimitiveType(type)) node.keys.set(`_${child.name}`, { child, type, primitiveExtension: true });
  }
}

/**
 * The element that defines the children of `node` holding a value of `type`: the node itself
 * when its snapshot lists children, the referenced element for a contentReference, else the
 * root of the type's base definition (or of a type profile, e.g. an extension definition).
 */
export function childrenSource(node: ElementNode, type: string | undefined): ElementNode | undefined {
  if (node.children.length > 0) return node;
  if (node.contentReference) return node.tree.byId.get(node.contentReference);
  const profile = node.types.length === 1 ? node.types[0]?.profiles[0] : undefined;
  if (profile) {
    const profiled = treeOf(profile);
    if (profiled) return profiled.root;
  }
  if (!type || isPrimitiveType(type)) return undefined;
  return baseTreeOf(type)?.root;
}
