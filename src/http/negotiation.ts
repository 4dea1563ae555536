import { FhirError, issue } from '../fhir/outcome';

/**
 * Content negotiation (hl7.org/fhir/R4/http.html#mime-type): JSON only. `_format` overrides
 * Accept; a request body must declare a JSON media type (or a JSON Patch for PATCH, or a form for
 * POST _search).
 */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json+fhir']);
const FORMAT_ALIASES = new Set(['json', ...JSON_TYPES]);
const JSON_PATCH = 'application/json-patch+json';
const FORM = 'application/x-www-form-urlencoded';

const notAcceptable = (what: string) =>
  new FhirError(406, [issue('error', 'not-supported', `${what}: this server produces application/fhir+json only`)]);
const unsupportedMedia = (what: string) => new FhirError(415, [issue('error', 'not-supported', what)]);

/** The media type of a header value, lower case, without parameters. */
export function mediaTypeOf(value: string): string {
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(0, semi) : value).trim().toLowerCase();
}

/** `fhirVersion` parameter, when given, must be R4 (4.0 / 4.0.1). */
function fhirVersionOk(params: string[]): boolean {
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    const name = p.slice(0, eq).trim().toLowerCase();
    const value = p.slice(eq + 1).trim().replace(/^"|"$/g, '');
    if (name === 'fhirversion' && !value.startsWith('4.0')) return false;
    if (name === 'q' && Number(value) === 0) return false;
  }
  return true;
}

/** Throws 406 unless `_format` (when present) or else Accept allows FHIR JSON. */
export function checkResponseFormat(format: string | undefined, accept: string | undefined): void {
  if (format !== undefined) {
    // an unencoded `+` in the query string arrives as a space (form decoding)
    const [type = '', ...params] = format.replace(/ /g, '+').split(';');
    if (!FORMAT_ALIASES.has(type.trim().toLowerCase()) || !fhirVersionOk(params)) throw notAcceptable(`_format '${format}' is not supported`);
    return;
  }
  if (accept === undefined || accept === '' || accept === 'application/fhir+json' || accept === '*/*') return;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';');
    const t = type.trim().toLowerCase();
    if ((JSON_TYPES.has(t) || t === '*/*' || t === 'application/*') && fhirVersionOk(params)) return;
  }
  throw notAcceptable(`Accept '${accept}' cannot be satisfied`);
}

export type BodyKind = 'json' | 'form';

/**
 * What a request body is, from its Content-Type; 415 for anything else. JSON Patch only on PATCH,
 * form parameters only on POST [type]/_search and POST _search.
 */
export function bodyKind(method: string, path: string, contentType: string | undefined): BodyKind {
  if (contentType === undefined || contentType.trim() === '') {
    throw unsupportedMedia('A request body needs a Content-Type: application/fhir+json');
  }
  const [type = '', ...params] = contentType.split(';');
  const t = type.trim().toLowerCase();
  for (const p of params) {
    const [name = '', value = ''] = p.split('=');
    if (name.trim().toLowerCase() === 'charset' && !/^"?utf-?8"?$/i.test(value.trim())) {
      throw unsupportedMedia(`Content-Type charset '${value.trim()}' is not supported: use UTF-8`);
    }
  }
  if (JSON_TYPES.has(t)) {
    if (!fhirVersionOk(params)) throw unsupportedMedia(`Content-Type '${contentType}' names an unsupported FHIR version`);
    return 'json';
  }
  if (t === JSON_PATCH && method === 'PATCH') return 'json';
  if (t === FORM && method === 'POST' && (path === '_search' || path.endsWith('/_search'))) return 'form';
  if (t.includes('xml')) throw unsupportedMedia(`Content-Type '${t}' is not supported: this server accepts FHIR JSON only`);
  throw unsupportedMedia(`Content-Type '${t}' is not supported for ${method} ${path ? '/' + path : '/'}`);
}
