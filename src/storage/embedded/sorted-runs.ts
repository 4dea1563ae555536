import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { StoredDocument } from '../port';

/** Documents per sorted run: sorting one run holds the event loop for a few milliseconds only. */
const RUN = 8192;

const byId = (a: StoredDocument, b: StoredDocument) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0);

/**
 * `docs` in `_id` order without one long sort: runs of RUN documents are sorted one per event-loop
 * turn, then merged lazily as the caller pulls (a k-way merge; k is small: n / RUN).
 */
export async function* sortedById(docs: StoredDocument[]): AsyncGenerator<StoredDocument> {
  const runs: StoredDocument[][] = [];
  for (let start = 0; start < docs.length; start += RUN) {
    runs.push(docs.slice(start, start + RUN).sort(byId));
    if (start + RUN < docs.length) await yieldToEventLoop();
  }
  const heads = runs.map(() => 0);
  for (;;) {
    let best = -1;
    for (let r = 0; r < runs.length; r++) {
      const head = (runs[r] as StoredDocument[])[heads[r] as number];
      if (head && (best < 0 || head._id < ((runs[best] as StoredDocument[])[heads[best] as number] as StoredDocument)._id)) best = r;
    }
    if (best < 0) return;
    yield (runs[best] as StoredDocument[])[heads[best] as number] as StoredDocument;
    heads[best] = (heads[best] as number) + 1;
  }
}
