import type { Resource } from 'fhir/r4';
import type { FhirContext, FhirMethod } from './request';

/**
 * The extension point for requests whose body is NOT FHIR JSON (raw Binary content, for example),
 * transport-free like FhirRequest. The HTTP layer offers each FHIR-base request to the routes in order, after authorization and
 * BEFORE reading the body; the first route that `accepts` it receives the unread body stream and
 * its answer is written as-is (or rendered as FHIR JSON when it returns a resource).
 */
export interface RawRequest {
  method: FhirMethod;
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
  /** A FHIR resource rendered as JSON like any interaction's answer. */
  resource?: Resource;
}

export interface RawRoute {
  /** Decided from method, path, query and headers only: the body is still unread. */
  accepts(req: Omit<RawRequest, 'body'>): boolean;
  /** Throws FhirError like any interaction; the HTTP layer renders it as an OperationOutcome. */
  handle(req: RawRequest, ctx: FhirContext): Promise<RawResponse>;
}
