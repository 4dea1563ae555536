/** String normalisation shared by indexing and queries: lower case, accents stripped, spaces collapsed. */
const COMBINING_MARKS = /[\u0300-\u036f]/g;

export function normalizeText(value: string): string {
  return value.normalize('NFD').replace(COMBINING_MARKS, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Escapes a literal for use inside a regular expression (queries use anchored prefixes). */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
