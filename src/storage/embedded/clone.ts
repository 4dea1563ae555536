/**
 * Stored documents are plain JSON values: every write goes through JSON (the journal needs the
 * text anyway), so what a caller reads before a restart is exactly what replay rebuilds after it.
 * Internal documents are never mutated in place (a write replaces the whole document), so reads
 * only have to copy what they hand out — with a clone specialised for JSON values.
 */
export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = cloneJson(value[i]);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const key in value) {
    if (Object.prototype.hasOwnProperty.call(value, key)) out[key] = cloneJson((value as Record<string, unknown>)[key]);
  }
  return out as T;
}
