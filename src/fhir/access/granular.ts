import type { Filter } from '../../storage/port';

/**
 * Granular SMART v2 constraints (`patient/Observation.rs?category=...|laboratory`), evaluated on
 * the search index entries written with every resource (DESIGN.md, "Resource documents"):
 * token entries are `c:code`, `sc:system|code`, `s:system|`, `n:code`; references are
 * `Type/id`. A constraint value may list alternatives separated by commas (search OR).
 * Supported: token and reference parameters (the kinds SMART granular scopes use).
 */

/** Index entries that satisfy one constraint value. */
export function constraintCandidates(name: string, value: string, resourceType: string): string[] {
  const out = new Set<string>();
  for (const alternative of value.split(',')) {
    if (alternative === '') continue;
    out.add(tokenEntry(alternative));
    out.add(alternative);
    // `patient=123` and `patient=Patient/123` mean the same thing
    if (!alternative.includes('/') && (name === 'patient' || (name === 'subject' && resourceType !== 'Patient'))) {
      out.add(`Patient/${alternative}`);
    }
  }
  return [...out];
}

function tokenEntry(value: string): string {
  const bar = value.indexOf('|');
  if (bar < 0) return `c:${value}`;
  const system = value.slice(0, bar);
  const code = value.slice(bar + 1);
  if (system === '') return `n:${code}`;
  if (code === '') return `s:${system}|`;
  return `sc:${system}|${code}`;
}

/** A filter that every constraint must satisfy, or null when there is none. */
export function constraintFilter(
  constraints: ReadonlyArray<readonly [string, string]> | undefined,
  resourceType: string,
): Filter | null {
  if (!constraints || constraints.length === 0) return null;
  const parts = constraints.map(([name, value]) => ({ [`idx.${name}`]: { $in: constraintCandidates(name, value, resourceType) } }));
  return parts.length === 1 ? (parts[0] as Filter) : { $and: parts };
}

/** True when the indexed document satisfies every constraint. */
export function matchesConstraints(
  constraints: ReadonlyArray<readonly [string, string]> | undefined,
  resourceType: string,
  idx: Record<string, unknown>,
): boolean {
  if (!constraints || constraints.length === 0) return true;
  return constraints.every(([name, value]) => {
    const entries = idx[name];
    const list = Array.isArray(entries) ? entries : entries === undefined ? [] : [entries];
    const candidates = constraintCandidates(name, value, resourceType);
    return list.some((entry) => typeof entry === 'string' && candidates.includes(entry));
  });
}
