import type { Permission, ScopeGrant } from './context';

/**
 * SMART clinical scope grammar (hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html):
 *   v1: (patient|user|system)/(Type|*).(read|write|*)
 *   v2: (patient|user|system)/(Type|*).[c][r][u][d][s][?param=value&...]
 * v2 letters must appear in that order, each at most once; v1 scopes take no query.
 */
const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)(?:\?(.*))?$/;
const ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];
const V1: Record<string, readonly Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

export interface ParsedResourceScope {
  grant: ScopeGrant;
  version: 1 | 2;
}

/** One clinical scope, or null when `text` is not one (or is malformed). */
export function parseResourceScope(text: string): ParsedResourceScope | null {
  const match = SCOPE.exec(text);
  if (!match) return null;
  const [, context, resourceType, action, query] = match as unknown as [string, ScopeGrant['context'], string, string, string | undefined];
  const v1 = V1[action];
  if (v1) {
    if (query !== undefined) return null;
    return { grant: { context, resourceType, permissions: new Set(v1) }, version: 1 };
  }
  const letters = v2Letters(action);
  if (!letters) return null;
  const grant: ScopeGrant = { context, resourceType, permissions: new Set(letters) };
  if (query !== undefined) {
    const constraints = parseConstraints(query);
    if (!constraints) return null;
    grant.constraints = constraints;
  }
  return { grant, version: 2 };
}

function v2Letters(action: string): Permission[] | null {
  const letters: Permission[] = [];
  let position = 0;
  for (const char of action) {
    const at = ORDER.indexOf(char as Permission, position);
    if (at < 0) return null; // unknown letter, repeated letter or out of order
    letters.push(char as Permission);
    position = at + 1;
  }
  return letters.length > 0 ? letters : null;
}

function parseConstraints(query: string): Array<readonly [string, string]> | null {
  if (query === '') return null;
  const pairs: Array<readonly [string, string]> = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return null;
    try {
      const name = decodeURIComponent(part.slice(0, eq));
      const value = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
      if (value === '' || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) return null;
      pairs.push([name, value] as const);
    } catch {
      return null;
    }
  }
  return pairs;
}

/** The v2 form of a grant, e.g. `patient/Observation.rs?category=...`. */
export function formatGrant(grant: ScopeGrant): string {
  const letters = ORDER.filter((p) => grant.permissions.has(p)).join('');
  const query = (grant.constraints ?? []).map(([n, v]) => `${n}=${encodeURIComponent(v).replace(/%7C/g, '|').replace(/%3A/g, ':').replace(/%2F/g, '/')}`);
  return `${grant.context}/${grant.resourceType}.${letters}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** All clinical grants of a space-separated scope string (other scopes are ignored here). */
export function grantsOf(scope: string | undefined): ScopeGrant[] {
  const grants: ScopeGrant[] = [];
  for (const token of (scope ?? '').split(' ')) {
    const parsed = token ? parseResourceScope(token) : null;
    if (parsed) grants.push(parsed.grant);
  }
  return grants;
}
