import type { Filter, SortSpec } from '../../storage/port';
import type { FhirContext } from '../request';
import type { ResourceDocument } from '../resource-document';
import { allOf } from './compile/cond';
import { cursorFilter, sortValues, type Cursor } from './cursor';

/** One page of one or several collections, in sort order, read with keyset paging. */
export interface PageQuery {
  types: string[];
  filters: Map<string, Filter>;
  fields: Array<{ field: string; dir: 1 | -1 }>;
  sort: SortSpec;
  reverseSort: SortSpec;
  count: number;
  cursor?: Cursor;
}

export interface Page {
  docs: ResourceDocument[];
  /** More rows exist beyond the page in the direction it was read. */
  more: boolean;
}

function compare(a: Array<string | number>, b: Array<string | number>, fields: Array<{ dir: 1 | -1 }>, reverse: boolean): number {
  for (let i = 0; i < fields.length; i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x === y) continue;
    const order = x < y ? -1 : 1;
    const dir = (fields[i] as { dir: 1 | -1 }).dir * (reverse ? -1 : 1);
    return order * dir;
  }
  return 0;
}

export async function readPage(q: PageQuery, ctx: FhirContext): Promise<Page> {
  const backward = q.cursor?.backward ?? false;
  const keyset = q.cursor ? cursorFilter(q.fields, q.cursor) : undefined;
  const collected: ResourceDocument[] = [];
  for (const type of q.types) {
    const base = q.filters.get(type) as Filter;
    const docs = await ctx.store.collection<ResourceDocument>(type).find(keyset ? allOf([base, keyset]) : base, {
      sort: backward ? q.reverseSort : q.sort,
      limit: q.count + 1,
      session: ctx.session,
    });
    collected.push(...docs);
  }
  if (q.types.length > 1) {
    const keyed = collected.map((doc) => ({ doc, key: sortValues(doc as unknown as Record<string, unknown>, q.fields) }));
    keyed.sort((a, b) => compare(a.key, b.key, q.fields, backward));
    collected.splice(0, collected.length, ...keyed.map((k) => k.doc));
  }
  const more = collected.length > q.count;
  const docs = collected.slice(0, q.count);
  if (backward) docs.reverse();
  return { docs, more };
}
