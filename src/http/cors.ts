import type { IncomingHttpHeaders } from 'node:http';

/**
 * CORS for browser SMART apps: every response allows the caller's origin (echoed, or `*` when
 * there is none) and exposes the FHIR response headers; preflights list the FHIR request headers.
 * No credentials: FHIR calls carry bearer tokens, not cookies.
 */
export const EXPOSED_HEADERS = 'ETag, Location, Content-Location, Last-Modified, X-Request-Id, WWW-Authenticate, Content-Range, Accept-Ranges';
export const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'If-Match',
  'If-None-Exist',
  'If-None-Match',
  'If-Modified-Since',
  'Prefer',
  'X-Request-Id',
  'X-Security-Context',
  'Range',
];
const ALLOWED_SET = new Set(ALLOWED_HEADERS.map((h) => h.toLowerCase()));
const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Adds the headers every response carries to `headers` (mutated, returned). */
export function corsHeaders<T extends Record<string, string | number>>(origin: string | undefined, headers: T): T {
  const h = headers as Record<string, string | number>;
  if (origin) {
    h['Access-Control-Allow-Origin'] = origin;
    h['Vary'] = 'Origin';
  } else {
    h['Access-Control-Allow-Origin'] = '*';
  }
  h['Access-Control-Expose-Headers'] = EXPOSED_HEADERS;
  // every answer is what its Content-Type says (raw Binary content above all: never sniffed as HTML)
  h['X-Content-Type-Options'] = 'nosniff';
  return headers;
}

/** The headers of a preflight answer (204). */
export function preflightHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const requested = headers['access-control-request-headers'];
  const allowed = [...ALLOWED_HEADERS];
  if (typeof requested === 'string') {
    for (const raw of requested.split(',')) {
      const name = raw.trim();
      if (name && TOKEN.test(name) && !ALLOWED_SET.has(name.toLowerCase())) allowed.push(name);
    }
  }
  const out = corsHeaders(headers.origin, {} as Record<string, string>);
  out['Access-Control-Allow-Methods'] = ALLOWED_METHODS;
  out['Access-Control-Allow-Headers'] = allowed.join(', ');
  out['Access-Control-Max-Age'] = '86400';
  out['Content-Length'] = '0';
  return out;
}
