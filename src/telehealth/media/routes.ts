import type { Resource } from 'fhir/r4';
import type { FhirContext } from '../../fhir/request';

/**
 * The transport-free shape of a request whose body is NOT parsed as FHIR (raw Binary content).
 * The HTTP layer offers each request to `accepts` BEFORE reading the body; when a route takes it,
 * the unread request stream is handed over as `body` and the answer is written as-is.
 */
export interface RawRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Below the FHIR base, without leading slash or query, e.g. `Binary/123`. */
  path: string;
  query: Array<[name: string, value: string]>;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  /** The request body, unread. */
  body: NodeJS.ReadableStream;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** Raw bytes to stream to the client (Content-Type / Content-Length are in `headers`). */
  stream?: NodeJS.ReadableStream;
  /** A FHIR resource the HTTP layer renders as JSON (with its usual content negotiation). */
  resource?: Resource;
}

export interface RawRoute {
  /** Decided from method, path, query and headers only: the body is still unread. */
  accepts(req: Omit<RawRequest, 'body'>): boolean;
  /** Throws FhirError like any interaction; the HTTP layer renders it as an OperationOutcome. */
  handle(req: RawRequest, ctx: FhirContext): Promise<RawResponse>;
}

const FHIR_MEDIA_TYPES = ['application/fhir+json', 'application/json', 'application/json+fhir', 'application/fhir+xml', 'application/xml+fhir', 'application/xml', 'text/xml'];

/** The media type without parameters, lower case (`image/png; q=1` → `image/png`). */
export const mediaType = (value: string | undefined) => (value ?? '').split(';')[0]?.trim().toLowerCase() ?? '';

/** True for a FHIR format (a body the generic engine parses; a representation it renders). */
export const isFhirMediaType = (value: string | undefined) => FHIR_MEDIA_TYPES.includes(mediaType(value));

/** True when the client asks for the Binary resource rather than its bytes (Accept or _format). */
export function wantsFhirResource(req: Pick<RawRequest, 'headers' | 'query'>): boolean {
  const format = req.query.find(([name]) => name === '_format')?.[1];
  if (format) return /json|xml/i.test(format);
  const accept = req.headers['accept'];
  if (!accept) return false;
  return accept.split(',').some((part) => isFhirMediaType(part));
}
