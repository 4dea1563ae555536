import type { CompiledCriteria, MatchDocument } from './criteria';
import { valuesAt } from './criteria';
import type { RegistryRow } from './model';

/**
 * Active subscriptions indexed by focus resource type and by one equality clause of their
 * criteria (`idx.patient = Patient/1`, `idx.code = c:8867-4`): a write only tests the
 * subscriptions whose anchor value occurs in its own index entries, plus those of its type that
 * have no anchor. With 1 000 subscriptions on `Observation?patient=...`, a write tests one.
 */
export interface IndexedSubscription {
  row: RegistryRow;
  compiled: CompiledCriteria;
}

interface TypeIndex {
  anchored: Map<string, Map<string, IndexedSubscription[]>>;
  unanchored: IndexedSubscription[];
}

export class SubscriptionIndex {
  private readonly types = new Map<string, TypeIndex>();
  private readonly byId = new Map<string, IndexedSubscription[]>();

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  rowOf(id: string): RegistryRow | undefined {
    return this.byId.get(id)?.[0]?.row;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  hasType(resourceType: string): boolean {
    return this.types.has(resourceType);
  }

  /** Replaces whatever was indexed for `row._id`. */
  set(row: RegistryRow, compiled: CompiledCriteria[]): void {
    this.remove(row._id);
    const entries = compiled.map((c) => ({ row, compiled: c }));
    this.byId.set(row._id, entries);
    for (const entry of entries) {
      const type = this.typeIndex(entry.compiled.resourceType);
      const anchor = entry.compiled.anchor;
      if (!anchor) {
        type.unanchored.push(entry);
        continue;
      }
      let values = type.anchored.get(anchor.field);
      if (!values) type.anchored.set(anchor.field, (values = new Map()));
      for (const value of anchor.values) {
        const list = values.get(value);
        if (list) list.push(entry);
        else values.set(value, [entry]);
      }
    }
  }

  remove(id: string): void {
    const entries = this.byId.get(id);
    if (!entries) return;
    this.byId.delete(id);
    for (const entry of entries) {
      const type = this.types.get(entry.compiled.resourceType);
      if (!type) continue;
      type.unanchored = type.unanchored.filter((e) => e !== entry);
      const anchor = entry.compiled.anchor;
      const values = anchor ? type.anchored.get(anchor.field) : undefined;
      for (const value of anchor?.values ?? []) {
        const kept = (values?.get(value) ?? []).filter((e) => e !== entry);
        if (kept.length > 0) values?.set(value, kept);
        else values?.delete(value);
      }
      if (anchor && values?.size === 0) type.anchored.delete(anchor.field);
      if (type.unanchored.length === 0 && type.anchored.size === 0) this.types.delete(entry.compiled.resourceType);
    }
  }

  /** The subscriptions on `resourceType` whose criteria `doc` satisfies. */
  matching(resourceType: string, doc: MatchDocument): IndexedSubscription[] {
    return this.candidates(resourceType, doc).filter((entry) => entry.compiled.query.test(doc));
  }

  /** The subscriptions whose criteria must be evaluated for `doc` (anchor hits and unanchored ones). */
  candidates(resourceType: string, doc: MatchDocument): IndexedSubscription[] {
    const type = this.types.get(resourceType);
    if (!type) return [];
    const found = new Set<IndexedSubscription>();
    for (const [field, values] of type.anchored) {
      for (const value of valuesAt(doc, field)) {
        if (typeof value !== 'string') continue;
        for (const entry of values.get(value) ?? []) found.add(entry);
      }
    }
    for (const entry of type.unanchored) found.add(entry);
    return [...found];
  }

  private typeIndex(resourceType: string): TypeIndex {
    let type = this.types.get(resourceType);
    if (!type) this.types.set(resourceType, (type = { anchored: new Map(), unanchored: [] }));
    return type;
  }
}
