import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { AuthModule } from '../auth/api';
import type { AfterWriteHook, BeforeWriteHook, FhirServices, FhirSettings, OperationDefinitionRef, RequestObserver } from '../fhir/request';
import { notFound } from '../fhir/outcome';
import { silentLogger, type Logger } from '../log';
import type { DocumentStore } from '../storage/port';
import { createFhirHandler } from './fhir-handler';
import { healthz, readyz } from './health';
import { commonMiddleware } from './middleware';
import { openApiRouter } from './openapi/routes';
import type { RawRoute } from './raw-routes';
import { writeError, type ReplyMeta } from './render';

/**
 * 12 MiB: below MongoDB's 16 MiB BSON document limit with a margin for what the server adds to a
 * resource (meta, search index entries, compartments), so a resource that passes the body limit
 * always fits one document. Larger media goes through the raw Binary upload (blob store).
 */
export const DEFAULT_MAX_BODY_BYTES = 12 * 1024 * 1024;
export const DEFAULT_MAX_BODY_DRAIN_BYTES = 64 * 1024 * 1024;

type FhirHandler = (req: IncomingMessage, res: ServerResponse) => boolean;
const fhirHandlers = new WeakMap<Express, FhirHandler>();

export interface AppDeps {
  store: DocumentStore;
  settings: FhirSettings;
  operations?: OperationDefinitionRef[];
  beforeWrite?: BeforeWriteHook[];
  afterWrite?: AfterWriteHook[];
  /** The SMART authorization server; absent means AUTH=off (every caller unrestricted). */
  auth?: AuthModule;
  /**
   * Routes offered each FHIR-base request before its body is read (raw Binary content, ...);
   * see ./raw-routes.ts. Checked in order; the first that accepts the request answers it.
   */
  rawRoutes?: RawRoute[];
  logger?: Logger;
  /** Largest JSON request body; larger → 413 (default 16 MB). */
  maxBodyBytes?: number;
  /**
   * A refused (or unread) request body is still read and thrown away up to this many bytes, so
   * the client reads the 4xx; beyond it the connection is closed (default 64 MB).
   */
  maxBodyDrainBytes?: number;
  /** The audit trail of FHIR requests (src/audit); absent when AUDIT=off. */
  observer?: RequestObserver;
  /** The audit trail of the authorization endpoints: mounted before the auth router. */
  authObserver?: RequestHandler;
  /** Web pages outside the FHIR base (the console at `/`), mounted after the auth endpoints. */
  pages?: RequestHandler;
}

/**
 * The Express 5 application: the FHIR base at /fhir (a single hand-written handler, the hot path),
 * then CORS and request ids for everything else, health endpoints, the auth router, and a 404 /
 * error handler that answer with OperationOutcome.
 */
export function createApp(deps: AppDeps): Express {
  const logger = deps.logger ?? silentLogger;
  const settings: FhirSettings = deps.auth ? { ...deps.settings, security: deps.auth.capabilitySecurity() } : deps.settings;
  const services: FhirServices = {
    store: deps.store,
    settings,
    operations: deps.operations ?? [],
    beforeWrite: deps.beforeWrite ?? [],
    afterWrite: deps.afterWrite ?? [],
  };
  const fhir = createFhirHandler({
    services,
    auth: deps.auth,
    rawRoutes: deps.rawRoutes ?? [],
    logger,
    maxBodyBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxBodyDrainBytes: deps.maxBodyDrainBytes ?? DEFAULT_MAX_BODY_DRAIN_BYTES,
    ...(deps.observer ? { observer: deps.observer } : {}),
  });

  const app = express();
  fhirHandlers.set(app, fhir);
  app.disable('etag');
  app.disable('x-powered-by');
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!fhir(req, res)) next();
  });
  app.use(commonMiddleware(logger, deps.auth?.logRoute?.bind(deps.auth)));
  app.get('/healthz', healthz);
  app.get('/readyz', readyz(deps.store));
  if (deps.auth && deps.authObserver) app.use(deps.authObserver);
  app.use(openApiRouter(services));
  if (deps.auth) app.use(deps.auth.router);
  if (deps.pages) app.use(deps.pages);
  app.use((req: Request, _res: Response, next: NextFunction) => next(notFound(`No endpoint at ${req.method} ${req.path}`)));
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    writeError(res, metaOf(req, res), error, logger);
  });
  return app;
}

function metaOf(req: Request, res: Response): ReplyMeta {
  const id = res.getHeader('X-Request-Id');
  return { requestId: typeof id === 'string' ? id : '', origin: req.headers.origin, pretty: false };
}

/**
 * The listener for `http.createServer`: FHIR requests go straight to the FHIR handler, skipping
 * Express's per-request setup (the hot path); everything else goes to the Express app. Behaves
 * exactly like the app itself, which also starts with the FHIR handler (so tests can use either).
 */
export function requestListener(app: Express): RequestListener {
  const fhir = fhirHandlers.get(app);
  if (!fhir) return app;
  return (req, res) => {
    if (!fhir(req, res)) app(req, res);
  };
}
