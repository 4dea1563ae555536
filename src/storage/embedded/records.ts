import type { IndexSpec, StoredDocument } from '../port';
import type { Row } from './rows';

/**
 * Journal and snapshot records: `{"o":[op, ...]}`, one record per committed write or
 * transaction. Ops are built as JSON text directly, so a document is serialised once per write.
 */
export type Op = ['p', string, StoredDocument] | ['d', string, string] | ['i', string, IndexSpec];

export const putOp = (collection: string, docJson: string) => `["p",${JSON.stringify(collection)},${docJson}]`;
export const deleteOp = (collection: string, id: string) => `["d",${JSON.stringify(collection)},${JSON.stringify(id)}]`;
export const indexOp = (collection: string, spec: IndexSpec) => `["i",${JSON.stringify(collection)},${JSON.stringify(spec)}]`;
export const recordJson = (ops: readonly string[]) => `{"o":[${ops.join(',')}]}`;

export interface Record_ {
  o: Op[];
}

export function isRecord(value: unknown): value is Record_ {
  return typeof value === 'object' && value !== null && Array.isArray((value as Record_).o);
}

/** What replay does with each op. */
export interface ReplayTarget {
  /** `row`: the document's stored text when the reader has it already (else it is re-encoded). */
  put(collection: string, doc: StoredDocument, row?: Row): void;
  remove(collection: string, id: string): void;
  addIndex(collection: string, spec: IndexSpec): void;
}

export function applyRecord(record: Record_, target: ReplayTarget): void {
  for (const op of record.o) {
    if (op[0] === 'p') target.put(op[1], op[2]);
    else if (op[0] === 'd') target.remove(op[1], op[2]);
    else if (op[0] === 'i') target.addIndex(op[1], op[2]);
    else throw new Error(`unknown journal op ${JSON.stringify((op as unknown[])[0])}`);
  }
}
