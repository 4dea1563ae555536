import { checkedPayload, readLines } from './lines';
import { applyRecord, isRecord, type ReplayTarget } from './records';
import { rowOfBytes } from './rows';
import { ROW_TAG } from './snapshot';
import type { KeyLayout, Table } from './table';

export class CorruptDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CorruptDataError';
  }
}

/** Replay, plus direct access to the tables for row lines (which carry their index keys). */
export interface SnapshotTarget extends ReplayTarget {
  table(collection: string): Table;
}

type Layout = Pick<KeyLayout, 'paths' | 'uniques'>;

const isStrings = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

/** A `{"layout":…}` line: checked against the indexes the snapshot's own `i` records created. */
function acceptLayout(value: unknown, target: SnapshotTarget, layouts: Map<string, Layout>): boolean {
  const layout = (value as { layout?: { c?: unknown; paths?: unknown; unique?: unknown } }).layout;
  if (!layout || typeof layout.c !== 'string' || !isStrings(layout.paths) || !isStrings(layout.unique)) return false;
  const declared = { paths: layout.paths, uniques: layout.unique };
  if (!target.table(layout.c).hasLayout(declared)) return false;
  layouts.set(layout.c, declared);
  return true;
}

const TAB = 0x09;
const isRowLine = (payload: Buffer) => payload[0] === ROW_TAG.charCodeAt(0) && payload[1] === TAB;

/**
 * A row line: `R<tab>[collection,id,idxAt,keys]<tab>{document}`. The document is neither parsed
 * nor decoded: its row is a view of the line's bytes.
 */
function applyRowLine(payload: Buffer, target: SnapshotTarget, layouts: Map<string, Layout>): boolean {
  const headEnd = payload.indexOf(TAB, ROW_TAG.length);
  if (headEnd < 0) return false;
  const head = JSON.parse(payload.toString('utf8', ROW_TAG.length, headEnd)) as unknown;
  if (!Array.isArray(head) || head.length !== 4) return false;
  const [collection, id, idxAt, keys] = head as [unknown, unknown, unknown, unknown];
  if (typeof collection !== 'string' || typeof id !== 'string' || typeof idxAt !== 'number' || !Array.isArray(keys)) return false;
  const layout = layouts.get(collection);
  if (!layout || keys.length !== layout.paths.length + layout.uniques.length || !keys.every(Array.isArray)) return false;
  target.table(collection).putWithKeys(id, rowOfBytes(payload.subarray(headEnd + 1), idxAt), layout, keys as unknown[][]);
  return true;
}

/**
 * Loads a snapshot (version 2, or version 1: `{"o":[...]}` records only). Every line must pass
 * its checksum and the end line must count them: anything else is a CorruptDataError, raised
 * possibly after part of the snapshot was applied (the caller starts over from an older one).
 */
export async function loadSnapshot(file: string, target: SnapshotTarget): Promise<void> {
  let version = 0;
  let lines = 0;
  let ended = false;
  const layouts = new Map<string, Layout>();
  for await (const line of readLines(file)) {
    const payload = line.terminated ? checkedPayload(line.bytes) : undefined;
    const damaged = () => new CorruptDataError(`${file}: damaged line at byte ${line.start}`);
    if (payload === undefined || ended) throw damaged();
    try {
      if (version === 2 && isRowLine(payload)) {
        if (!applyRowLine(payload, target, layouts)) throw damaged();
      } else {
        const value = JSON.parse(payload.toString('utf8')) as { snapshot?: unknown; end?: unknown; lines?: unknown; layout?: unknown };
        if (version === 0) {
          if (value.snapshot !== 1 && value.snapshot !== 2) throw new CorruptDataError(`${file}: not a snapshot`);
          version = value.snapshot;
        } else if (isRecord(value)) {
          applyRecord(value, target);
        } else if (version === 2 && value.layout !== undefined) {
          if (!acceptLayout(value, target, layouts)) throw new CorruptDataError(`${file}: index layout at byte ${line.start} does not match its indexes`);
        } else if (value.end === true && (version === 1 || value.lines === lines)) {
          ended = true;
        } else {
          throw new CorruptDataError(`${file}: unexpected line at byte ${line.start}`);
        }
      }
    } catch (error) {
      throw error instanceof CorruptDataError ? error : new CorruptDataError(`${file}: line at byte ${line.start}: ${(error as Error).message}`);
    }
    lines++;
  }
  if (!ended) throw new CorruptDataError(`${file}: snapshot is incomplete`);
}
