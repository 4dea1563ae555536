import type { ServerResponse } from 'node:http';
import type { Resource } from 'fhir/r4';
import { FhirError, issue } from '../fhir/outcome';
import { fhirErrorOfStore } from '../fhir/store-errors';
import type { Logger } from '../log';
import { corsHeaders } from './cors';
import { FHIR_JSON } from './negotiation';

/** What every response of one request shares. */
export interface ReplyMeta {
  requestId: string;
  origin: string | undefined;
  pretty: boolean;
  /** Set when the client kept sending a refused body past the drain budget: the connection is closed. */
  closeConnection?: boolean;
}

/** Base headers: content type, request id, CORS. */
export function baseHeaders(meta: ReplyMeta): Record<string, string | number> {
  const headers: Record<string, string | number> = { 'Content-Type': FHIR_JSON, 'X-Request-Id': meta.requestId };
  corsHeaders(meta.origin, headers);
  if (meta.closeConnection) headers['Connection'] = 'close';
  return headers;
}

/**
 * Writes a FHIR answer with one JSON.stringify and one res.end (the hot path: no res.json, no
 * extra middleware). HEAD answers carry the headers and Content-Length of the GET, no body
 * (Node drops the bytes of a HEAD response).
 */
export function writeFhir(res: ServerResponse, meta: ReplyMeta, status: number, body: Resource | undefined, extra?: Record<string, string>): void {
  const headers = baseHeaders(meta);
  if (extra) for (const name in extra) headers[name] = extra[name] as string;
  // 204 and 304 never carry a body (RFC 9110), whatever the interaction returned
  if (body === undefined || status === 204 || status === 304) {
    delete headers['Content-Type'];
    if (status !== 204 && status !== 304) headers['Content-Length'] = 0;
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const bytes = Buffer.from(meta.pretty ? JSON.stringify(body, null, 2) : JSON.stringify(body), 'utf8');
  headers['Content-Length'] = bytes.length;
  res.writeHead(status, headers);
  res.end(bytes);
}

/** The OperationOutcome of any failure; a non-FhirError is a bug: 500, logged without details of the request. */
export function writeError(res: ServerResponse, meta: ReplyMeta, error: unknown, logger: Logger): void {
  if (res.headersSent) {
    // a streamed answer failed half-way: the only honest signal left is a broken connection
    logger.error({ reqId: meta.requestId, err: describe(error) }, 'response failed after headers were sent');
    res.destroy();
    return;
  }
  const failure = asFhirError(error);
  if (failure.status >= 500) logger.error({ reqId: meta.requestId, status: failure.status, err: describe(error) }, 'internal error');
  writeFhir(res, meta, failure.status, failure.toOperationOutcome(), failure.headers);
}

/** FhirError as is; a 4xx from Express or body parsers keeps its status; anything else is a 500. */
export function asFhirError(error: unknown): FhirError {
  if (error instanceof FhirError) return error;
  const fromStore = fhirErrorOfStore(error);
  if (fromStore) return fromStore;
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new FhirError(status, [issue('error', status === 413 ? 'too-costly' : 'invalid', httpReason(status))]);
  }
  return new FhirError(500, [issue('error', 'exception', 'Internal server error')]);
}

function httpReason(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request';
    case 413:
      return 'Request body too large';
    case 415:
      return 'Unsupported media type';
    default:
      return `Request failed with status ${status}`;
  }
}

/** Error type and stack frames only: the message may quote input (patient data). */
function describe(error: unknown): { type: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error };
  const frames = error.stack?.split('\n').slice(1).join('\n');
  return frames ? { type: error.name, stack: frames } : { type: error.name };
}
