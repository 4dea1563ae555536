import type { Permission, ScopeGrant } from '../fhir/access/context';
import { formatGrant, parseResourceScope } from '../fhir/access/scopes';
import { ADMIN_SCOPE } from './config';

/** The non-clinical scopes this server knows. */
export const SIMPLE_SCOPES = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
  ADMIN_SCOPE,
] as const;

export const SCOPES_SUPPORTED = [
  ...SIMPLE_SCOPES,
  'patient/*.read',
  'patient/*.rs',
  'patient/*.cruds',
  'user/*.read',
  'user/*.rs',
  'user/*.cruds',
  'system/*.read',
  'system/*.rs',
  'system/*.cruds',
];

export const splitScope = (scope: string | undefined): string[] => [...new Set((scope ?? '').split(/\s+/).filter(Boolean))];

/** The intersection of two clinical grants, or null when they share nothing. */
function intersect(a: ScopeGrant, b: ScopeGrant): ScopeGrant | null {
  if (a.context !== b.context) return null;
  let resourceType: string;
  if (a.resourceType === b.resourceType || b.resourceType === '*') resourceType = a.resourceType;
  else if (a.resourceType === '*') resourceType = b.resourceType;
  else return null;
  const permissions = new Set<Permission>([...a.permissions].filter((p) => b.permissions.has(p)));
  if (permissions.size === 0) return null;
  const constraints = [...(a.constraints ?? []), ...(b.constraints ?? [])];
  const keys = new Set<string>();
  const unique = constraints.filter(([n, v]) => !keys.has(`${n}=${v}`) && keys.add(`${n}=${v}`));
  return { context: a.context, resourceType, permissions, ...(unique.length > 0 ? { constraints: unique } : {}) };
}

const sameGrant = (a: ScopeGrant, b: ScopeGrant) => formatGrant(a) === formatGrant(b);

/**
 * What may really be granted of `requested` given the `allowed` scopes of a client: the
 * intersection, keeping the requested spelling where a requested scope is granted whole
 * (so a v1 request stays v1). `contexts` limits which clinical contexts may be granted at all.
 */
export function grantable(requested: string[], allowed: string[], contexts: ReadonlySet<ScopeGrant['context']>): string[] {
  const allowedSimple = new Set(allowed.filter((s) => !parseResourceScope(s)));
  const allowedGrants = allowed.map((s) => parseResourceScope(s)?.grant).filter((g): g is ScopeGrant => g !== undefined);
  const out = new Set<string>();
  for (const scope of requested) {
    const parsed = parseResourceScope(scope);
    if (!parsed) {
      if (allowedSimple.has(scope) && (SIMPLE_SCOPES as readonly string[]).includes(scope)) out.add(scope);
      continue;
    }
    if (!contexts.has(parsed.grant.context)) continue;
    for (const allowedGrant of allowedGrants) {
      const common = intersect(parsed.grant, allowedGrant);
      if (!common) continue;
      out.add(sameGrant(common, parsed.grant) ? scope : formatGrant(common));
    }
  }
  // offline_access wins over online_access when both are requested (SMART: they are exclusive)
  if (out.has('offline_access')) out.delete('online_access');
  return [...out];
}

/** True when every scope of `subset` is in `superset` (refresh may only narrow). */
export function isSubset(subset: string[], superset: string[]): boolean {
  const have = new Set(superset);
  return subset.every((s) => have.has(s));
}

const LETTER_WORDS: Record<Permission, string> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };
const CONTEXT_WORDS: Record<ScopeGrant['context'], string> = {
  patient: "the selected patient's",
  user: 'the records you can access:',
  system: 'all',
};

/** Plain words for the consent page. */
export function describeScope(scope: string): string {
  const parsed = parseResourceScope(scope);
  if (parsed) {
    const { grant } = parsed;
    const verbs = (['c', 'r', 'u', 'd', 's'] as Permission[]).filter((p) => grant.permissions.has(p)).map((p) => LETTER_WORDS[p]);
    const what = grant.resourceType === '*' ? 'health records of every kind' : `${grant.resourceType} records`;
    const only = (grant.constraints ?? []).map(([n, v]) => `${n} ${v}`).join(', ');
    return `${capitalize(listWords(verbs))} ${CONTEXT_WORDS[grant.context]} ${what}${only ? ` (only where ${only})` : ''}`;
  }
  switch (scope) {
    case 'openid':
      return 'Confirm who you are (sign-in)';
    case 'fhirUser':
      return 'Know which person record is yours';
    case 'profile':
      return 'See your name and profile';
    case 'launch':
      return 'Open inside your health record system with its current context';
    case 'launch/patient':
      return 'Know which patient is selected';
    case 'launch/encounter':
      return 'Know which visit is selected';
    case 'offline_access':
      return 'Keep access when you are not signed in, until you revoke it';
    case 'online_access':
      return 'Keep access while you stay signed in';
    case ADMIN_SCOPE:
      return 'Administer this server (clients, users, keys)';
    default:
      return scope;
  }
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
function listWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1] as string}`;
}
