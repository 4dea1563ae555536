import type { StoredDocument } from '../port';
import type { Row } from './rows';

/**
 * The parsed form of recently evaluated rows, shared by every table of an engine and bounded by
 * the JSON bytes of its entries. Searches evaluate their filter on every candidate; without it,
 * a patient's chart opened twice would be parsed twice. Keys are the immutable rows themselves, so
 * a replaced document can never be served from here (its new row is another key).
 *
 * Cached documents are shared: they are never mutated, and whatever leaves the engine is copied.
 */
export class ParsedCache {
  private readonly entries = new Map<Row, StoredDocument>();
  private bytes = 0;

  constructor(private readonly budgetBytes: number) {}

  get(row: Row): StoredDocument | undefined {
    const doc = this.entries.get(row);
    if (doc) {
      // most recently used last: re-insert
      this.entries.delete(row);
      this.entries.set(row, doc);
    }
    return doc;
  }

  set(row: Row, doc: StoredDocument): void {
    if (this.budgetBytes <= 0 || row.bytes.length > this.budgetBytes / 8 || this.entries.has(row)) return;
    this.entries.set(row, doc);
    this.bytes += row.bytes.length;
    for (const [oldest] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.forget(oldest);
    }
  }

  forget(row: Row): void {
    if (this.entries.delete(row)) this.bytes -= row.bytes.length;
  }
}
