import type { BundleEntry, BundleEntryResponse, FhirResource, OperationOutcome, Resource } from 'fhir/r4';
import { FhirError, issue, outcome } from '../outcome';
import type { FhirResponse } from '../request';

/** Builds Bundle.entry of batch-response / transaction-response from FhirResponses. */

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

/** `201 Created`: Bundle.entry.response.status is the HTTP status line, code first. */
export function statusLine(status: number): string {
  const reason = REASONS[status];
  return reason ? `${status} ${reason}` : String(status);
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/** Last-Modified travels as an HTTP date; Bundle.entry.response.lastModified is an instant. */
function toInstant(httpDate: string | undefined, body: Resource | undefined): string | undefined {
  const fromMeta = body?.meta?.lastUpdated;
  if (fromMeta) return fromMeta;
  if (!httpDate) return undefined;
  const ms = Date.parse(httpDate);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function successEntry(res: FhirResponse, baseUrl: string): BundleEntry {
  const response: BundleEntryResponse = { status: statusLine(res.status) };
  const location = header(res.headers, 'Location') ?? header(res.headers, 'Content-Location');
  if (location) response.location = location;
  const etag = header(res.headers, 'ETag');
  if (etag) response.etag = etag;
  const lastModified = toInstant(header(res.headers, 'Last-Modified'), isOutcome(res.body) ? undefined : res.body);
  if (lastModified) response.lastModified = lastModified;
  const entry: BundleEntry = {};
  const body = res.body;
  if (body && isOutcome(body) && res.status < 400) {
    // Prefer: return=OperationOutcome on a write: the outcome is the answer, not a resource.
    response.outcome = body;
  } else if (body) {
    if (body.id && body.resourceType !== 'Bundle' && !isOutcome(body)) entry.fullUrl = `${baseUrl}/${body.resourceType}/${body.id}`;
    entry.resource = body as FhirResource;
  }
  entry.response = response;
  return entry;
}

export function errorEntry(error: FhirError): BundleEntry {
  return { response: { status: statusLine(error.status), outcome: error.toOperationOutcome() } };
}

/** An unexpected failure of one batch entry: a 500 for that entry, without internals. */
export function internalErrorEntry(): BundleEntry {
  return {
    response: {
      status: statusLine(500),
      outcome: outcome([issue('error', 'exception', 'Internal error while processing this entry')]),
    },
  };
}

/**
 * The failure of a whole transaction: the failing entry's status and issues, each naming the
 * entry (diagnostics prefix and a `Bundle.entry[i]` expression), so a client can find it.
 */
export function transactionFailure(index: number, method: string, url: string, error: FhirError): FhirError {
  const at = `Bundle.entry[${index}]`;
  const issues = error.issues.map((original) => {
    const located = { ...original };
    located.diagnostics = `${at} (${method} ${url}): ${original.diagnostics ?? original.code}`;
    const expressions = [at];
    for (const expr of original.expression ?? []) {
      if (expr.startsWith('Bundle.')) expressions.push(expr);
      else expressions.push(`${at}.resource${expr.replace(/^[A-Z][A-Za-z]*/, '')}`);
    }
    located.expression = [...new Set(expressions)];
    return located;
  });
  return new FhirError(error.status, issues, error.headers);
}

function isOutcome(body: Resource | undefined): body is OperationOutcome {
  return body?.resourceType === 'OperationOutcome';
}
