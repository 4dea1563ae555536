import type { Filter } from '../../storage/port';
import { badRequest } from '../outcome';
import type { SortKey } from './result-params';

/**
 * Keyset paging. A page link carries an opaque cursor: the sort values of the boundary row and
 * its `_id`, and whether it points forwards (next) or backwards (previous). The next page is
 * "rows after the boundary in sort order" — a range query, so pages stay correct while resources
 * are added or deleted (no row is skipped or repeated because an earlier row moved), and no
 * snapshot has to be kept on the server. Sort keys are always present in `idx` (sentinels for
 * missing values) so the comparisons are plain values in both engines.
 */
export interface Cursor {
  /** Values of the sort keys (then `_id`) of the boundary row. */
  values: Array<string | number>;
  backward: boolean;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.backward ? 1 : 0, ...cursor.values]), 'utf8').toString('base64url');
}

export function decodeCursor(text: string, keyCount: number): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === keyCount + 1 && (parsed[0] === 0 || parsed[0] === 1)) {
      const values = parsed.slice(1);
      if (values.every((v) => typeof v === 'string' || typeof v === 'number')) return { backward: parsed[0] === 1, values };
    }
  } catch {
    // fall through
  }
  throw badRequest('Invalid or expired _page cursor (it belongs to another sort order)');
}

/**
 * The fields compared by the cursor: the sort keys, then `_id` unless already sorted on. The `_id`
 * tie-breaker runs in the direction of the last sort key, so that an index `{…keys, _id}` serves
 * the sort forwards and, for previous pages and the opposite `_sort`, exactly reversed.
 */
export function cursorFields(keys: SortKey[]): Array<{ field: string; dir: 1 | -1 }> {
  const fields: Array<{ field: string; dir: 1 | -1 }> = keys.map((k) => ({ field: k.field, dir: k.dir }));
  if (!fields.some((f) => f.field === '_id')) fields.push({ field: '_id', dir: fields[fields.length - 1]?.dir ?? 1 });
  return fields;
}

/**
 * Rows strictly after (or, backward, before) the boundary row in the sort order. The `$or` of
 * the keyset comparison is ANDed with its implied bound on the first sort key, so that an index
 * on the sort keys starts its scan at the boundary instead of filtering every earlier row.
 */
export function cursorFilter(fields: Array<{ field: string; dir: 1 | -1 }>, cursor: Cursor): Filter {
  const branches: Filter[] = [];
  const ascending = (i: number) => (cursor.backward ? (fields[i] as { dir: 1 | -1 }).dir === -1 : (fields[i] as { dir: 1 | -1 }).dir === 1);
  for (let i = 0; i < fields.length; i++) {
    const branch: Filter = {};
    for (let j = 0; j < i; j++) branch[(fields[j] as { field: string }).field] = cursor.values[j];
    branch[(fields[i] as { field: string }).field] = { [ascending(i) ? '$gt' : '$lt']: cursor.values[i] };
    branches.push(branch);
  }
  if (branches.length === 1) return branches[0] as Filter;
  const first = (fields[0] as { field: string }).field;
  return { $and: [{ [first]: { [ascending(0) ? '$gte' : '$lte']: cursor.values[0] } }, { $or: branches }] };
}

/** The sort values of a document, in cursor field order. */
export function sortValues(doc: Record<string, unknown>, fields: Array<{ field: string }>): Array<string | number> {
  return fields.map(({ field }) => {
    if (field === '_id' || field === 'lastUpdatedMs') return doc[field] as string | number;
    const idx = doc.idx as Record<string, unknown> | undefined;
    return (idx?.[field.slice(4)] as string | number | undefined) ?? '';
  });
}
