import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { BasicChallenge } from './client-auth';
import { RepeatedParameter, type AuthDeps } from './deps';
import { OAuthError } from './errors';
import { errorPage, PAGE_HEADERS } from './pages/html';
import { adminRouter } from './routes/admin';
import { authorize } from './routes/authorize';
import { openidConfiguration, SMART_STYLE, smartConfiguration } from './routes/discovery';
import { choosePatient, decide, login, showInteraction } from './routes/interaction';
import { introspect, revoke } from './routes/introspect-revoke';
import { launchApi, showLauncher, submitLauncher } from './routes/launch';
import { token } from './routes/token';
import { TooManyAttempts } from './throttle';

type Handler = (req: Request, res: Response) => Promise<void>;

/** JSON endpoints answer failures in the RFC 6749 shape. */
function api(deps: AuthDeps): (fn: Handler) => RequestHandler {
  return (fn) => (req, res, next) => {
    fn(req, res).then(
      () => {
        if ((res.locals as { admin?: boolean }).admin && !res.headersSent) next();
      },
      (error: unknown) => sendOAuthError(deps, res, error),
    );
  };
}

function sendOAuthError(deps: AuthDeps, res: Response, error: unknown): void {
  let oauth: OAuthError;
  if (error instanceof OAuthError) oauth = error;
  else if (error instanceof RepeatedParameter) oauth = new OAuthError('invalid_request', error.message);
  else {
    deps.config.logger.error({ err: (error as Error)?.message }, 'auth endpoint failed');
    oauth = new OAuthError('server_error', 'The server could not complete the request');
  }
  if (error instanceof TooManyAttempts) res.setHeader('Retry-After', String(error.retryAfterSeconds));
  if (error instanceof BasicChallenge) res.setHeader('WWW-Authenticate', `Basic realm="${deps.config.authBase}"`);
  if (oauth.code === 'invalid_token' || oauth.code === 'insufficient_scope') {
    res.setHeader('WWW-Authenticate', `Bearer realm="${deps.config.authBase}", error="${oauth.code}"`);
  }
  res.setHeader('Cache-Control', 'no-store');
  res.status(oauth.status).json(oauth.toJSON());
}

/** HTML pages answer failures with an error page (never a stack or a redirect). */
function page(deps: AuthDeps, fn: Handler): RequestHandler {
  return (req, res) => {
    res.set(PAGE_HEADERS);
    fn(req, res).catch((error: unknown) => {
      const known = error instanceof RepeatedParameter || error instanceof OAuthError;
      if (!known) deps.config.logger.error({ err: (error as Error)?.message }, 'auth page failed');
      res.status(known ? 400 : 500).type('html').send(errorPage('Something went wrong', known ? (error as Error).message : 'Please try again later.'));
    });
  };
}

/** Cross-origin access for browser apps (no cookies: these endpoints never use them). */
function cors(methods: string): RequestHandler {
  return (req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', methods);
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

export function buildRouter(deps: AuthDeps): Router {
  const { config } = deps;
  const a = config.authPath;
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 });
  const json = express.json({ limit: '256kb' });
  const wrap = api(deps);
  const sendJson = (body: () => unknown): RequestHandler => (_req, res) => void res.type('application/json').send(JSON.stringify(body()));

  router.all(`${config.fhirPath}/.well-known/smart-configuration`, cors('GET'));
  router.get(`${config.fhirPath}/.well-known/smart-configuration`, sendJson(() => smartConfiguration(config)));
  for (const path of new Set([`${config.issuerPath}/.well-known/openid-configuration`, '/.well-known/openid-configuration'])) {
    router.all(path, cors('GET'));
    router.get(path, sendJson(() => openidConfiguration(config)));
  }
  for (const path of [`${a}/jwks`, '/.well-known/jwks.json']) {
    router.all(path, cors('GET'));
    router.get(path, sendJson(() => deps.keys.jwks()));
  }
  router.all(`${a}/smart-style.json`, cors('GET'));
  router.get(`${a}/smart-style.json`, sendJson(() => SMART_STYLE));

  router.get(`${a}/authorize`, page(deps, (req, res) => authorize(req, res, deps)));
  router.post(`${a}/authorize`, form, page(deps, (req, res) => authorize(req, res, deps)));
  router.get(`${a}/interaction/:rid`, page(deps, (req, res) => showInteraction(req, res, deps)));
  router.post(`${a}/interaction/:rid/patient`, form, page(deps, (req, res) => choosePatient(req, res, deps)));
  router.post(`${a}/interaction/:rid/consent`, form, page(deps, (req, res) => decide(req, res, deps)));
  router.post(`${a}/login`, form, page(deps, (req, res) => login(req, res, deps)));
  router.post(
    `${a}/logout`,
    form,
    page(deps, async (req, res) => {
      const session = await deps.sessions.current(req);
      if (session && deps.sessions.checkCsrf(session, (req.body as Record<string, unknown>)?.csrf)) await deps.sessions.logout(session, res);
      res.redirect(303, `${a}/launcher`);
    }),
  );
  router.get(`${a}/launcher`, page(deps, (req, res) => showLauncher(req, res, deps)));
  router.post(`${a}/launcher`, form, page(deps, (req, res) => submitLauncher(req, res, deps)));

  for (const [path, handler] of [
    ['token', token],
    ['introspect', introspect],
    ['revoke', revoke],
  ] as const) {
    router.all(`${a}/${path}`, cors('POST'));
    router.post(`${a}/${path}`, form, wrap((req, res) => handler(req, res, deps)));
  }
  router.post(`${a}/launch`, form, json, wrap((req, res) => launchApi(req, res, deps)));
  router.use(`${a}/admin`, json, adminRouter(deps, wrap));

  // body-parser failures (malformed JSON, too large) on our endpoints
  router.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith(`${a}/`)) return next(error);
    const status = (error as { status?: number }).status ?? 500;
    if (status >= 500) return sendOAuthError(deps, res, error);
    return sendOAuthError(deps, res, new OAuthError('invalid_request', status === 413 ? 'The request body is too large' : 'The request body is malformed', status));
  });
  return router;
}
