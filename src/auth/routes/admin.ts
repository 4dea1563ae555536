import express, { type Request, type Response, type Router } from 'express';
import { noteForAudit } from '../audit-note';
import type { AuthDeps } from '../deps';
import { OAuthError } from '../errors';
import { referenceExists } from '../fhir-data';
import { clientView, registerClient, registerUser, userView, type ClientInput, type UserInput } from '../registry';
import { requireBearer } from './bearer';

/**
 * /auth/admin — JSON registration API, admin scope (telefhir/admin) required:
 *   GET/POST /clients, GET/DELETE /clients/:id, GET/POST /users, DELETE /users/:id, POST /keys/rotate
 */
export function adminRouter(deps: AuthDeps, wrap: (fn: (req: Request, res: Response) => Promise<void>) => express.RequestHandler): Router {
  const router = express.Router();
  router.use(
    wrap(async (req, res) => {
      const caller = await requireBearer(req.headers.authorization, deps, (a) => a.admin === true);
      noteForAudit(res, { clientId: caller.clientId });
      res.setHeader('Cache-Control', 'no-store');
      (res.locals as { admin?: boolean }).admin = true;
    }),
  );
  const json = (req: Request) => {
    if (!req.is('application/json') || typeof req.body !== 'object' || req.body === null) throw new OAuthError('invalid_request', 'Send a JSON object');
    return req.body as Record<string, unknown>;
  };
  const notFound = (what: string) => new OAuthError('invalid_request', `${what} not found`, 404);

  router.get('/clients', wrap(async (_req, res) => void res.json((await deps.c.clients.find({}, { sort: { _id: 1 } })).map(clientView))));
  router.post('/clients', wrap(async (req, res) => void res.status(201).json(await registerClient(deps.c, json(req) as ClientInput, new Date(deps.config.now())))));
  router.get(
    '/clients/:id',
    wrap(async (req, res) => {
      const client = await deps.c.clients.findOne({ _id: String(req.params.id) });
      if (!client) throw notFound('Client');
      res.json(clientView(client));
    }),
  );
  router.delete(
    '/clients/:id',
    wrap(async (req, res) => {
      if ((await deps.c.clients.deleteOne({ _id: String(req.params.id) })) !== 1) throw notFound('Client');
      await deps.c.refresh.deleteMany({ clientId: String(req.params.id) });
      res.status(204).end();
    }),
  );
  router.get('/users', wrap(async (_req, res) => void res.json((await deps.c.users.find({}, { sort: { _id: 1 } })).map(userView))));
  router.post('/users', wrap(async (req, res) => void res.status(201).json(await registerUser(deps.c, json(req) as UserInput, new Date(deps.config.now()), referenceExists(deps.config.store)))));
  router.delete(
    '/users/:id',
    wrap(async (req, res) => {
      if ((await deps.c.users.deleteOne({ _id: String(req.params.id) })) !== 1) throw notFound('User');
      await deps.c.sessions.deleteMany({ userId: String(req.params.id) });
      await deps.c.refresh.deleteMany({ userId: String(req.params.id) });
      res.status(204).end();
    }),
  );
  router.post(
    '/keys/rotate',
    wrap(async (_req, res) => {
      const key = await deps.keys.rotate();
      res.json({ kid: key.kid });
    }),
  );
  return router;
}
