import type { AuditEventEntity, Coding } from 'fhir/r4';
import { OutgoingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { authSubtype, CLIENT_ID_SYSTEM, LOGIN, outcomeOfStatus, SECURITY_ALERT, SECURITY_USER_ENTITY_ROLE, SYSTEM_OBJECT, USER_AUTHENTICATION, USER_ID_SYSTEM, type AuditAction } from './codes';
import { patientEntity, type AuditActor, type AuditFacts } from './event';

/** The identities an /auth endpoint noted for the audit trail (src/auth/audit-note.ts). */
interface AuditNote {
  clientId?: string;
  userId?: string;
  fhirUser?: string;
  patient?: string;
}

interface AuthEventKind {
  type: Coding;
  subtype: Coding;
  action: AuditAction;
}

/** The audited /auth endpoints (POST, and DELETE for admin removals), by path below the auth base. */
function kindOf(method: string, path: string, body: Record<string, unknown>): AuthEventKind | undefined {
  const auth = (code: string): AuthEventKind => ({ type: USER_AUTHENTICATION, subtype: authSubtype(code), action: 'E' });
  if (method === 'POST') {
    if (path === '/login') return { type: USER_AUTHENTICATION, subtype: LOGIN, action: 'E' };
    if (/^\/interaction\/[^/]+\/consent$/.test(path)) return auth('consent');
    if (path === '/token') return auth(body.grant_type === 'refresh_token' ? 'token-refresh' : 'token-issue');
    if (path === '/introspect') return auth('token-introspect');
    if (path === '/revoke') return auth('token-revoke');
    if (path === '/admin/clients') return { type: SECURITY_ALERT, subtype: authSubtype('client-register'), action: 'C' };
    if (path === '/admin/users') return { type: SECURITY_ALERT, subtype: authSubtype('user-register'), action: 'C' };
  }
  if (method === 'DELETE') {
    if (/^\/admin\/clients\/[^/]+$/.test(path)) return { type: SECURITY_ALERT, subtype: authSubtype('client-delete'), action: 'D' };
    if (/^\/admin\/users\/[^/]+$/.test(path)) return { type: SECURITY_ALERT, subtype: authSubtype('user-delete'), action: 'D' };
  }
  return undefined;
}

/**
 * Express middleware mounted before the auth router: for each audited endpoint it holds the
 * answer back (res.end) until the AuditEvent describing it is durable, exactly as the FHIR
 * handler does, and answers 503 instead when the record cannot be written.
 */
export function authAuditMiddleware(authPath: string, record: (facts: AuditFacts) => Promise<void>, onError: (error: unknown) => void): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.path.startsWith(`${authPath}/`) || (req.method !== 'POST' && req.method !== 'DELETE')) return next();
    const path = req.path.slice(authPath.length);
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    let ending = false;
    // code after res.end() asks headersSent to know the answer is given (Express routers do):
    // it is, though held back until its record is durable
    Object.defineProperty(res, 'headersSent', { configurable: true, get: () => ending || sentByNode(res) });
    res.end = ((...args: unknown[]) => {
      if (ending) return res;
      const kind = kindOf(req.method, path, bodyOf(req));
      if (!kind) return end(...args);
      ending = true;
      const facts = authFacts(kind, req, res, path, args[0]);
      record(facts).then(
        () => end(...args),
        (error: unknown) => {
          onError(error);
          refuse(res, end);
        },
      );
      return res;
    }) as Response['end'];
    next();
  };
}

const HEADERS_SENT = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, 'headersSent');
const sentByNode = (res: Response): boolean => Boolean(HEADERS_SENT?.get?.call(res));

/** The audit trail could not be written: the request is not acknowledged. */
function refuse(res: Response, end: (...args: unknown[]) => Response): void {
  res.statusCode = 503;
  res.removeHeader('Location');
  res.removeHeader('Content-Length');
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Retry-After', '5');
  end(JSON.stringify({ error: 'temporarily_unavailable', error_description: 'The audit trail could not be written; please retry' }));
}

const bodyOf = (req: Request): Record<string, unknown> => (req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {});
const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value.slice(0, 128) : undefined);

function authFacts(kind: AuthEventKind, req: Request, res: Response, path: string, chunk: unknown): AuditFacts {
  const note = (res.locals as { auditNote?: AuditNote }).auditNote ?? {};
  const body = bodyOf(req);
  const answer = jsonOf(chunk);
  let status = res.statusCode;
  // the consent form answers with a redirect either way: a denial is a refusal
  const location = String(res.getHeader('Location') ?? '');
  const denied = kind.subtype.code === 'consent' && /[?&]error=/.test(location);
  if (kind.subtype.code === 'consent' && status === 303 && !/[?&]code=/.test(location) && !denied) status = 400;
  const actor: AuditActor = {};
  const clientId = note.clientId ?? text(body.client_id) ?? basicUser(req.headers.authorization);
  if (clientId) actor.clientId = clientId;
  const userId = note.userId ?? (kind.subtype.code === LOGIN.code ? text(body.username) : undefined);
  if (userId) actor.userId = userId;
  if (note.fhirUser) actor.fhirUser = note.fhirUser;
  if (req.socket.remoteAddress) actor.address = req.socket.remoteAddress;

  const entities: AuditEventEntity[] = [];
  const patient = note.patient ?? text(answer.patient);
  if (patient) entities.push(patientEntity(`Patient/${patient}`));
  const scope = text(answer.scope);
  if (scope && kind.subtype.code?.startsWith('token')) entities.push({ type: SYSTEM_OBJECT, detail: [{ type: 'scope', valueString: scope }] });
  const subject = adminSubject(path, answer);
  if (subject) entities.push({ what: { identifier: subject }, type: SYSTEM_OBJECT, role: SECURITY_USER_ENTITY_ROLE });

  const failed = denied || status >= 400;
  const facts: AuditFacts = {
    type: kind.type,
    subtype: [kind.subtype],
    action: kind.action,
    outcome: denied ? '4' : outcomeOfStatus(status),
    actor,
    entities,
    recorded: new Date(),
  };
  if (failed) facts.outcomeDesc = denied ? 'access denied by the user' : `HTTP ${status}${text(answer.error) ? ` ${text(answer.error)}` : ''}`;
  else if (kind.subtype.code === 'token-introspect') facts.outcomeDesc = answer.active === true ? 'active token' : 'inactive token';
  return facts;
}

/** The client or user an admin call registered or removed. */
function adminSubject(path: string, answer: Record<string, unknown>): { system: string; value: string } | undefined {
  const removed = /^\/admin\/(clients|users)\/([^/]+)$/.exec(path);
  if (removed) return { system: removed[1] === 'clients' ? CLIENT_ID_SYSTEM : USER_ID_SYSTEM, value: decodeURIComponent(removed[2] as string).slice(0, 128) };
  if (path === '/admin/clients' && text(answer.client_id)) return { system: CLIENT_ID_SYSTEM, value: text(answer.client_id) as string };
  const user = text(answer._id);
  if (path === '/admin/users' && user) return { system: USER_ID_SYSTEM, value: user };
  return undefined;
}

/** The JSON answer of an OAuth endpoint, for its non-secret fields only (error, patient, scope, active, ids). */
function jsonOf(chunk: unknown): Record<string, unknown> {
  if (chunk === undefined || chunk === null) return {};
  const raw = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
  if (!raw.startsWith('{')) return {};
  try {
    const parsed = JSON.parse(raw) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The client id of HTTP Basic client authentication (the user-name half only; the secret is never read). */
function basicUser(header: string | undefined): string | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    return text(decodeURIComponent(decoded.slice(0, colon)));
  } catch {
    return undefined;
  }
}
