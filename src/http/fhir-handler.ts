import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { AuthModule } from '../auth/api';
import { UNRESTRICTED, type AccessContext } from '../fhir/access/context';
import { dispatch } from '../fhir/dispatch';
import { FhirError, issue } from '../fhir/outcome';
import type { FhirContext, FhirMethod, FhirRequest, FhirServices, InteractionRecord, RequestObserver } from '../fhir/request';
import { logRequest, type Logger } from '../log';
import { discardBody, hasBody, parseJson, readBody } from './body';
import { preflightHeaders } from './cors';
import { bodyKind, checkResponseFormat } from './negotiation';
import type { RawRequest, RawRoute } from './raw-routes';
import { writeError, writeFhir, type ReplyMeta } from './render';
import { requestIdFrom } from './request-id';
import { routePattern } from './route-pattern';
import { writeRaw } from './write-raw';

export interface FhirHandlerOptions {
  services: FhirServices;
  auth?: AuthModule;
  rawRoutes: RawRoute[];
  logger: Logger;
  maxBodyBytes: number;
  /** How much of a refused or unread body is still read and thrown away before answering. */
  maxBodyDrainBytes: number;
  /** The audit trail: told of every request (and of each interaction it ran) before its answer is released. */
  observer?: RequestObserver;
}

const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const WITH_BODY = new Set<string>(['POST', 'PUT', 'PATCH']);
const PREFIX = '/fhir';

/**
 * The FHIR base: adapts a Node request under /fhir to `dispatch` and renders its answer. Written
 * as one plain function (no middleware chain) because it is the hot path. Returns false for
 * requests that are not its own (outside /fhir, or the auth module's /fhir/.well-known), so the
 * Express app can pass them on.
 */
export function createFhirHandler(options: FhirHandlerOptions) {
  const { services, auth, rawRoutes, logger, maxBodyBytes, maxBodyDrainBytes, observer } = options;
  const logInfo = logger.isLevelEnabled('info');

  async function handle(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const started = logInfo ? performance.now() : 0;
    const requestId = requestIdFrom(req.headers['x-request-id']);
    const origin = req.headers.origin;
    const meta: ReplyMeta = { requestId, origin, pretty: false };
    const question = url.indexOf('?');
    const path = trimSlashes(url.slice(PREFIX.length + 1, question >= 0 ? question : url.length));
    const method = req.method ?? 'GET';
    let status = 500;
    // what the observer (audit trail) is told: filled in as the request is understood
    let query: Array<[string, string]> = [];
    let access: AccessContext | undefined;
    let fhirRequest: FhirRequest | undefined;
    const trail: InteractionRecord[] | undefined = observer ? [] : undefined;
    let reported = false;
    const report = (error?: unknown): Promise<void> => {
      reported = true;
      const request = fhirRequest ?? { method: method as FhirMethod, path, query, headers: {} };
      return (observer as RequestObserver).record({ request, status, access, address: req.socket.remoteAddress, trail: trail ?? [], error });
    };
    try {
      if (method === 'OPTIONS') {
        status = 204;
        res.writeHead(204, { ...preflightHeaders(req.headers), 'X-Request-Id': requestId });
        res.end();
        return;
      }
      if (!METHODS.has(method)) {
        throw new FhirError(405, [issue('error', 'not-supported', `Method ${method} is not supported`)], { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' });
      }
      query = question >= 0 ? parseQuery(url.slice(question + 1)) : [];
      let format: string | undefined;
      for (const [name, value] of query) {
        if (name === '_format') format = value;
        else if (name === '_pretty') meta.pretty = value === 'true';
      }
      const headers = req.headers as Record<string, string | undefined>;
      access = await accessFor(method, path, headers.authorization);
      if (observer?.restrictAccess) access = observer.restrictAccess(access);
      const ctx: FhirContext = {
        store: services.store,
        settings: services.settings,
        operations: services.operations,
        beforeWrite: services.beforeWrite,
        afterWrite: services.afterWrite,
        access,
        requestId,
      };
      if (trail) ctx.trail = trail;
      if (rawRoutes.length > 0) {
        const raw: Omit<RawRequest, 'body'> = { method: method as FhirMethod, path, query, headers };
        const route = rawRoutes.find((r) => r.accepts(raw));
        if (route) {
          const answer = await route.handle({ ...raw, body: req }, ctx);
          status = answer.status;
          if (observer) await report();
          writeRaw(res, meta, answer, method === 'HEAD');
          return;
        }
      }
      checkResponseFormat(format, headers.accept);
      fhirRequest = { method: method as FhirMethod, path, query, headers };
      if (hasBody(req) && !WITH_BODY.has(method)) {
        // a GET/HEAD/DELETE body has no meaning in FHIR: drain and ignore it
        req.resume();
      } else if (hasBody(req)) {
        const kind = bodyKind(method, path, headers['content-type']);
        const bytes = await readBody(req, maxBodyBytes);
        fhirRequest.body = kind === 'json' ? parseJson(bytes) : bytes.toString('utf8');
      }
      const response = await dispatch(fhirRequest, ctx);
      status = response.status;
      if (observer) await report();
      writeFhir(res, meta, response.status, response.body, response.headers);
    } catch (error) {
      status = error instanceof FhirError ? error.status : 500;
      if (observer && !reported) await report(error).catch((failure: unknown) => logger.error({ reqId: requestId, err: { type: (failure as Error)?.name } }, 'audit record not written'));
      // a body left unread (refused as too large, or the request failed first) is read and thrown
      // away before answering, so that a client still sending can read the answer
      if (hasBody(req) && !(await discardBody(req, maxBodyDrainBytes))) meta.closeConnection = true;
      writeError(res, meta, error, logger);
    } finally {
      if (logInfo || status >= 500) {
        const ms = logInfo ? Math.round((performance.now() - started) * 100) / 100 : 0;
        logRequest(logger, { reqId: requestId, method, route: routePattern(path), status, ms });
      }
    }
  }

  async function accessFor(method: string, path: string, authorization: string | undefined): Promise<AccessContext> {
    if (!auth) return UNRESTRICTED;
    // the CapabilityStatement is public (SMART App Launch: discovery before authorization)
    if (path === 'metadata' && (method === 'GET' || method === 'HEAD')) return UNRESTRICTED;
    if (method === 'OPTIONS') return UNRESTRICTED;
    return auth.resolveAccess(authorization);
  }

  /** True when the request was taken (answered, or being answered, here). */
  return function fhirHandler(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (!url.startsWith(PREFIX)) return false;
    const next = url.charCodeAt(PREFIX.length);
    // `/fhir`, `/fhir/...`, `/fhir?...` only (not `/fhirx`)
    if (!Number.isNaN(next) && next !== 47 /* / */ && next !== 63 /* ? */) return false;
    if (url.startsWith('/fhir/.well-known/')) return false;
    // the OpenAPI document and its viewer (./openapi) are Express routes, public like /metadata
    if (url === '/fhir/openapi' || url.startsWith('/fhir/openapi.json') || url.startsWith('/fhir/openapi/') || url.startsWith('/fhir/openapi?')) return false;
    void handle(req, res, url);
    return true;
  };
}

function trimSlashes(path: string): string {
  let start = 0;
  let end = path.length;
  while (start < end && path.charCodeAt(start) === 47) start++;
  while (end > start && path.charCodeAt(end - 1) === 47) end--;
  return start === 0 && end === path.length ? path : path.slice(start, end);
}

function parseQuery(text: string): Array<[string, string]> {
  if (text === '') return [];
  const out: Array<[string, string]> = [];
  for (const pair of new URLSearchParams(text)) out.push(pair);
  return out;
}
