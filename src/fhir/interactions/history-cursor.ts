import type { Filter, SortSpec } from '../../storage/port';
import { badRequest } from '../outcome';

/**
 * Keyset paging of history: a position is (lastUpdatedMs, key) where key is `${type}/${versionDocId}`,
 * newest first. Links stay valid while versions are added (history is append-only).
 */
export interface HistoryCursor {
  ms: number;
  key: string;
  /** `n`: the page after this position; `p`: the page before it. */
  dir: 'n' | 'p';
}

export function encodeCursor(cursor: HistoryCursor): string {
  return Buffer.from(JSON.stringify([cursor.ms, cursor.key, cursor.dir])).toString('base64url');
}

export function decodeCursor(token: string): HistoryCursor {
  try {
    const [ms, key, dir] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof ms === 'number' && Number.isFinite(ms) && typeof key === 'string' && (dir === 'n' || dir === 'p')) return { ms, key, dir };
  } catch {
    // fall through to the 400 below
  }
  throw badRequest('Invalid history paging cursor');
}

/** The filter that selects, within the history collection of `type`, the versions beyond `cursor`. */
export function cursorFilter(type: string, cursor: HistoryCursor): Filter {
  const slash = cursor.key.indexOf('/');
  const cursorType = cursor.key.slice(0, slash);
  const cursorId = cursor.key.slice(slash + 1);
  const older = cursor.dir === 'n';
  const beyondMs = { lastUpdatedMs: older ? { $lt: cursor.ms } : { $gt: cursor.ms } };
  let sameMs: Filter | undefined;
  if (type === cursorType) sameMs = { lastUpdatedMs: cursor.ms, _id: older ? { $lt: cursorId } : { $gt: cursorId } };
  // all versions of another type at the same instant sort wholly before or after the cursor key
  else if (type < cursorType === older) sameMs = { lastUpdatedMs: cursor.ms };
  if (!sameMs) return beyondMs;
  // the implied bound on lastUpdatedMs lets the `time` / `id_time` index start at the cursor
  return { $and: [{ lastUpdatedMs: older ? { $lte: cursor.ms } : { $gte: cursor.ms } }, { $or: [beyondMs, sameMs] }] };
}

export const sortFor = (dir: 'n' | 'p'): SortSpec => (dir === 'n' ? { lastUpdatedMs: -1, _id: -1 } : { lastUpdatedMs: 1, _id: 1 });

/** Newest first: descending (ms, key). */
export function compareNewestFirst(a: { ms: number; key: string }, b: { ms: number; key: string }): number {
  if (a.ms !== b.ms) return b.ms - a.ms;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}
