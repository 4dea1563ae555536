import { deepEqual } from '../../json-equal';

/**
 * JSON value comparisons of ElementDefinition.fixed[x] / pattern[x] (R4 elementdefinition.html):
 * fixed means exactly equal; pattern means every property and array item of the pattern appears
 * in the instance (arrays: each pattern item matches some instance item).
 */
export { deepEqual };

export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(pattern)) {
    if (!Array.isArray(value)) return pattern.length === 1 && matchesPattern(value, pattern[0]);
    return pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  for (const [key, expected] of Object.entries(pattern)) {
    if (!(key in record) || !matchesPattern(record[key], expected)) return false;
  }
  return true;
}

/**
 * The values at a simple dotted path (`coding.code`, `url`, `$this`), arrays flattened.
 * Returns undefined when the path uses FHIRPath beyond plain navigation (resolve(), ofType(), ...).
 */
export function navigate(item: unknown, path: string): unknown[] | undefined {
  let current: unknown[] = [item];
  if (path === '$this') return current;
  for (const segment of path.split('.')) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(segment)) return undefined;
    const next: unknown[] = [];
    for (const value of current) {
      if (typeof value !== 'object' || value === null) continue;
      const child = (value as Record<string, unknown>)[segment];
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}

/** A short rendering of a value for diagnostics (never more than ~120 characters). */
export function describe(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
