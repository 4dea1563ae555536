/**
 * The route of a non-FHIR path for request logs. A module that owns the path names it (the auth
 * server masks pending-request ids); anything else keeps at most three lower-case word
 * segments, so a mistyped or hostile URL cannot put an id, a code or a token in the logs.
 */
const WORD = /^(?:[a-z][a-z0-9_-]{0,31}(?:\.[a-z]{1,8})?|\.well-known)$/;
const MAX_SEGMENTS = 3;

export type OwnRoute = (path: string) => string | undefined;

export function logRoute(path: string, own?: OwnRoute): string {
  const named = own?.(path);
  if (named !== undefined) return named;
  const segments = path.split('/').slice(1);
  const kept = segments.slice(0, MAX_SEGMENTS).map((s) => (s === '' || WORD.test(s) ? s : '[?]'));
  return `/${kept.join('/')}${segments.length > MAX_SEGMENTS ? '/…' : ''}`;
}
