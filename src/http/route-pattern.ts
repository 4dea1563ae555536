/**
 * The route of a FHIR path for logs: resource types, operation names and keywords stay, ids go
 * (`Patient/123/_history/2` → `Patient/[id]/_history/[vid]`), so logs never carry identifiers.
 */
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;
const KEYWORD = /^(?:_[a-z]+|\$[A-Za-z][\w-]{0,63}|metadata|\.well-known)$/;

export function routePattern(path: string): string {
  if (path === '') return '/fhir';
  let out = '/fhir';
  const segments = path.split('/');
  for (let i = 0; i < segments.length && i < 5; i++) {
    const s = segments[i] as string;
    if (KEYWORD.test(s)) out += '/' + s;
    else if (i === 0 || i === 2) out += TYPE.test(s) ? '/' + s : '/[?]';
    else out += i === 3 ? '/[vid]' : '/[id]';
  }
  return segments.length > 5 ? out + '/…' : out;
}
