import type { StoredDocument, TxSession } from '../port';
import { DuplicateKeyError } from '../port';
import type { Overlay } from './query';
import { deleteOp, putOp } from './records';
import type { Table } from './table';
import type { Incoming, WriteTarget } from './writes';

/**
 * A transaction's writes, buffered in per-collection overlays until commit. Reads made with the
 * session see base + overlay; nobody else sees anything before commit. Writers are serialised
 * by the engine's mutex, so the base cannot change under a running transaction and commit needs
 * no conflict detection.
 */
export class Transaction implements WriteTarget {
  readonly session: TxSession = Object.freeze({ __txSession: true as const });
  active = true;
  private readonly overlays = new Map<string, Overlay>();
  private readonly rows = new Map<string, Map<string, Incoming>>();

  constructor(private readonly tables: (collection: string) => Table) {}

  table(collection: string): Table {
    return this.tables(collection);
  }

  overlay(collection: string): Overlay | undefined {
    return this.overlays.get(collection);
  }

  private own(collection: string): { overlay: Overlay; rows: Map<string, Incoming> } {
    let overlay = this.overlays.get(collection);
    let rows = this.rows.get(collection);
    if (!overlay || !rows) {
      this.overlays.set(collection, (overlay = new Map()));
      this.rows.set(collection, (rows = new Map()));
    }
    return { overlay, rows };
  }

  uniqueConflict(collection: string, doc: StoredDocument): string | undefined {
    const table = this.tables(collection);
    if (table.unique.length === 0) return undefined;
    const overlay = this.overlays.get(collection);
    const inBase = table.uniqueConflict(doc, overlay ? (id) => overlay.has(id) : undefined);
    if (inBase || !overlay) return inBase;
    for (const constraint of table.unique) {
      const keys = new Set(constraint.keysOf(doc));
      for (const [id, other] of overlay) {
        if (other && id !== doc._id && constraint.keysOf(other).some((k) => keys.has(k))) return constraint.name;
      }
    }
    return undefined;
  }

  put(collection: string, entry: Incoming): void {
    const { overlay, rows } = this.own(collection);
    overlay.set(entry.doc._id, entry.doc);
    rows.set(entry.doc._id, entry);
  }

  remove(collection: string, id: string): void {
    const { overlay, rows } = this.own(collection);
    overlay.set(id, null);
    rows.delete(id);
  }

  /**
   * Applies the overlays to the tables and returns the journal ops; checks unique indexes first
   * so that a failing commit changes nothing.
   */
  commit(): string[] {
    for (const [collection, overlay] of this.overlays) {
      const table = this.tables(collection);
      for (const doc of overlay.values()) {
        const index = doc && table.uniqueConflict(doc, (id) => overlay.has(id));
        if (index) throw new DuplicateKeyError(`${collection}: duplicate key in unique index ${index} (document ${doc._id})`);
      }
    }
    const ops: string[] = [];
    for (const [collection, overlay] of this.overlays) {
      const table = this.tables(collection);
      const rows = this.rows.get(collection) as Map<string, Incoming>;
      for (const [id, doc] of overlay) {
        if (doc) {
          const entry = rows.get(id) as Incoming;
          table.put(doc, entry.row);
          ops.push(putOp(collection, entry.json));
        } else if (table.has(id)) {
          table.remove(id);
          ops.push(deleteOp(collection, id));
        }
      }
    }
    return ops;
  }
}
