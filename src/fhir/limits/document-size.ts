import { FhirError, issue } from '../outcome';

/**
 * A stored document is the resource plus its search index entries, and MongoDB refuses a document
 * over 16 MiB (BSON). The body limit (MAX_BODY_BYTES, 12 MiB) bounds the resource; the index
 * entries copy (normalised) searchable strings, so a resource built of huge indexed strings could
 * still overflow. This check turns that into a 413 on both engines instead of a driver error.
 */
export const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;
/** Room for what the estimate does not count exactly (BSON type bytes, array index keys, meta). */
const MARGIN_BYTES = 512 * 1024;
/** Index entries below this cannot overflow a resource that passed the 12 MiB body limit. */
const INDEX_BYTES_ALWAYS_SAFE = MAX_DOCUMENT_BYTES - MARGIN_BYTES - 12 * 1024 * 1024;

/**
 * An upper-bound-ish estimate of the BSON size of a JSON value (strings as UTF-8 at most 3 bytes a
 * UTF-16 unit, 8 bytes per number, key names and per-element overhead), that stops as soon as it
 * passes `budget`. Iterative: index entries are shallow, but nothing here may recurse on input.
 */
export function estimatedBsonBytes(value: unknown, budget: number): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0 && total <= budget) {
    const next = stack.pop();
    if (typeof next === 'string') total += 5 + next.length * (isAscii(next) ? 1 : 3);
    else if (Array.isArray(next)) {
      total += 5 + next.length * 4; // length prefix, per element: type byte + "index\0" key
      if (total <= budget) for (const item of next) stack.push(item);
    } else if (next !== null && typeof next === 'object') {
      total += 5;
      for (const [key, item] of Object.entries(next)) {
        total += 2 + key.length;
        stack.push(item);
      }
    } else total += 8;
  }
  return total;
}

function isAscii(text: string): boolean {
  // long strings only: short ones cost little either way
  return text.length < 64 || !/[^\u0000-\u007f]/.test(text); // eslint-disable-line no-control-regex
}

/** Throws 413 when the resource and its index entries would not fit in one stored document. */
export function assertDocumentFits(resource: unknown, idx: unknown): void {
  // the common case: one walk of the (small) index entries, stopped early when they are large
  if (estimatedBsonBytes(idx, INDEX_BYTES_ALWAYS_SAFE) <= INDEX_BYTES_ALWAYS_SAFE) return;
  const limit = MAX_DOCUMENT_BYTES - MARGIN_BYTES;
  const indexBytes = estimatedBsonBytes(idx, limit);
  if (indexBytes <= limit && indexBytes + estimatedBsonBytes(resource, limit - indexBytes) <= limit) return;
  throw new FhirError(413, [
    issue(
      'error',
      'too-costly',
      'The resource and its search index entries exceed the 16 MB limit of a stored document: shorten its searchable text ' +
        '(names, addresses, identifiers, codes) or send large content as a raw Binary',
    ),
  ]);
}
