/**
 * The route of an /auth path for request logs: never the pending-request id of
 * `/auth/interaction/<id>` (whoever holds it can continue that sign-in), never a client id or
 * username of the admin API. Paths that are not ours answer undefined.
 */
const STATIC = new Set([
  'authorize',
  'token',
  'introspect',
  'revoke',
  'jwks',
  'login',
  'logout',
  'launcher',
  'launch',
  'smart-style.json',
  'admin/clients',
  'admin/users',
  'admin/keys/rotate',
]);
const INTERACTION_STEPS = new Set(['patient', 'consent']);

export function authLogRoute(authPath: string, path: string): string | undefined {
  if (!path.startsWith(`${authPath}/`)) return undefined;
  const rest = path.slice(authPath.length + 1);
  if (STATIC.has(rest)) return path;
  const segments = rest.split('/');
  if (segments[0] === 'interaction') {
    const step = segments[2];
    return `${authPath}/interaction/[rid]${step === undefined ? '' : `/${INTERACTION_STEPS.has(step) && segments.length === 3 ? step : '[?]'}`}`;
  }
  if (segments[0] === 'admin' && (segments[1] === 'clients' || segments[1] === 'users')) return `${authPath}/admin/${segments[1]}/[id]`;
  return `${authPath}/[?]`;
}
