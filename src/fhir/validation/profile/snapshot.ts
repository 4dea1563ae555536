import type { ElementDefinition, StructureDefinition } from 'fhir/r4';
import { baseDefinition, structureDefinition } from '../../definitions/structure-definitions';

/**
 * Snapshot generation for constraint profiles authored as a differential on a base definition.
 * Deliberately small: it covers what Telefhir's own profiles use — constraining existing
 * elements, adding slices (of elements and of choice types), and constraining the children of
 * complex data types (whose elements are copied in from the type's definition on first use).
 * The same code runs in the build script that writes snapshots into profiles/*.json and at load
 * time for any profile that ships a differential only.
 */
export class SnapshotError extends Error {}

export function snapshotElements(sd: StructureDefinition, depth = 0): ElementDefinition[] {
  if (sd.snapshot?.element?.length) return sd.snapshot.element;
  if (depth > 10) throw new SnapshotError(`Snapshot of ${sd.url}: baseDefinition chain too deep`);
  const base = sd.baseDefinition ? structureDefinition(sd.baseDefinition) : undefined;
  if (!base) throw new SnapshotError(`Snapshot of ${sd.url}: unknown baseDefinition ${sd.baseDefinition ?? '(none)'}`);
  const list = structuredClone(snapshotElements(base, depth + 1));
  for (const diff of sd.differential?.element ?? []) {
    const id = diff.id ?? diff.path;
    const index = ensureElement(list, id);
    mergeInto(list[index] as ElementDefinition, diff);
  }
  return list;
}

/** A copy of `sd` with a generated snapshot (the build script writes it back to disk). */
export function withSnapshot(sd: StructureDefinition): StructureDefinition {
  const copy = structuredClone(sd);
  delete copy.snapshot;
  return { ...copy, snapshot: { element: snapshotElements(copy) } };
}

function mergeInto(target: ElementDefinition, diff: ElementDefinition): void {
  const record = target as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(diff)) {
    if (key === 'id' || key === 'path') continue;
    if (key === 'constraint') target.constraint = [...(target.constraint ?? []), ...structuredClone(diff.constraint ?? [])];
    else record[key] = structuredClone(value);
  }
}

function splitId(id: string): { parentId: string; segment: string } {
  const dot = id.lastIndexOf('.');
  if (dot < 0) return { parentId: '', segment: id };
  return { parentId: id.slice(0, dot), segment: id.slice(dot + 1) };
}

function ensureElement(list: ElementDefinition[], id: string): number {
  const found = list.findIndex((e) => e.id === id);
  if (found >= 0) return found;
  const { parentId, segment } = splitId(id);
  if (!parentId) throw new SnapshotError(`Element ${id} is not in the base definition`);
  const colon = segment.indexOf(':');
  if (colon >= 0) return addSlice(list, `${parentId}.${segment.slice(0, colon)}`, segment.slice(colon + 1), id);
  const parentIndex = ensureElement(list, parentId);
  if (!list.some((e) => e.id?.startsWith(`${parentId}.`))) {
    if (!copySlicedChildren(list, parentIndex)) expandType(list, parentIndex);
  }
  const index = list.findIndex((e) => e.id === id);
  if (index < 0) throw new SnapshotError(`Element ${id} is not in the base definition`);
  return index;
}

/** A new slice starts as a copy of the sliced element (without its slicing), placed after the element's group. */
function addSlice(list: ElementDefinition[], baseId: string, sliceName: string, id: string): number {
  const baseIndex = ensureElement(list, baseId);
  const base = list[baseIndex] as ElementDefinition;
  const slice: ElementDefinition = { ...structuredClone(base), id, sliceName };
  delete slice.slicing;
  if (base.path.endsWith('[x]')) {
    const typed = base.type?.find((t) => `${base.path.slice(base.path.lastIndexOf('.') + 1, -3)}${capitalize(t.code)}` === sliceName);
    if (typed) slice.type = [structuredClone(typed)];
  }
  let at = baseIndex + 1;
  while (at < list.length && (list[at]?.id?.startsWith(`${baseId}.`) || list[at]?.id?.startsWith(`${baseId}:`))) at++;
  list.splice(at, 0, slice);
  return at;
}

/**
 * A slice of a backbone element (or of an element whose type was already expanded) gets copies
 * of the sliced element's children, renamed under the slice. False when there is nothing to copy.
 */
function copySlicedChildren(list: ElementDefinition[], sliceIndex: number): boolean {
  const slice = list[sliceIndex] as ElementDefinition;
  const sliceId = slice.id ?? slice.path;
  const { parentId, segment } = splitId(sliceId);
  const colon = segment.indexOf(':');
  if (colon < 0) return false;
  const baseId = `${parentId ? `${parentId}.` : ''}${segment.slice(0, colon)}`;
  const children = list
    .filter((e) => e.id?.startsWith(`${baseId}.`))
    .map((e) => ({ ...structuredClone(e), id: `${sliceId}${(e.id as string).slice(baseId.length)}` }));
  if (children.length === 0) return false;
  list.splice(sliceIndex + 1, 0, ...children);
  return true;
}

/** Copies the elements of the parent's (single) data type below it, renamed to the parent's id and path. */
function expandType(list: ElementDefinition[], parentIndex: number): void {
  const parent = list[parentIndex] as ElementDefinition;
  const codes = [...new Set((parent.type ?? []).map((t) => t.code))];
  if (codes.length !== 1) throw new SnapshotError(`Cannot constrain children of ${parent.id}: restrict it to one type first`);
  const typeDefinition = baseDefinition(codes[0] as string);
  if (!typeDefinition?.snapshot) throw new SnapshotError(`Unknown data type ${codes[0]} of ${parent.id}`);
  const typeName = typeDefinition.type;
  const children = typeDefinition.snapshot.element.slice(1).map((e) => {
    const copy = structuredClone(e);
    copy.id = `${parent.id}${(e.id ?? e.path).slice(typeName.length)}`;
    copy.path = `${parent.path}${e.path.slice(typeName.length)}`;
    return copy;
  });
  list.splice(parentIndex + 1, 0, ...children);
}

export const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
