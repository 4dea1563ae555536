import type { Request, Response } from 'express';
import { parseResourceScope } from '../../fhir/access/scopes';
import { noteForAudit } from '../audit-note';
import { ADMIN_SCOPE } from '../config';
import { randomToken, sha256, verifySecret } from '../crypto';
import { single, type AuthDeps } from '../deps';
import { exists, patientLabelById, patientOptions } from '../fhir-data';
import type { PendingDoc, SessionDoc, UserDoc } from '../model';
import { consentPage, errorPage, loginPage, pickerPage } from '../pages/html';
import { describeScope, splitScope } from '../scopes';
import { AttemptGuard, TooManyAttempts } from '../throttle';
import { redirectWith } from './authorize';

/**
 * The user-facing steps between /auth/authorize and the code: sign in, pick a patient when the
 * app needs one, then allow or deny the listed scopes. Every POST carries the session's CSRF token.
 */
interface Step {
  pending: PendingDoc;
  session: SessionDoc;
  user: UserDoc;
}

const base = (deps: AuthDeps, pending: PendingDoc) => `${deps.config.authPath}/interaction/${pending._id}`;

/** True when the pending request needs a patient context before consent. */
function needsPatient(pending: PendingDoc): boolean {
  const scopes = splitScope(pending.scope);
  return scopes.includes('launch/patient') || scopes.some((s) => parseResourceScope(s)?.grant.context === 'patient');
}

/** Loads the pending request of this browser and its signed-in user; answers the page itself otherwise. */
async function load(req: Request, res: Response, deps: AuthDeps): Promise<Step | undefined> {
  const pending = await deps.c.pending.findOne({ _id: String(req.params.rid) });
  const session = await deps.sessions.current(req);
  if (!pending || pending.expiresAt <= deps.config.now() || !session || pending.sid !== session._id) {
    res.status(400).type('html').send(errorPage('Sign-in expired', 'This sign-in request is unknown, expired or was started in another browser. Please start again from the app.'));
    return undefined;
  }
  const user = session.userId ? await deps.c.users.findOne({ _id: session.userId }) : null;
  if (!user) {
    const client = await deps.c.clients.findOne({ _id: pending.clientId });
    res.type('html').send(loginPage({ action: `${deps.config.authPath}/login`, next: base(deps, pending), csrf: deps.sessions.csrfToken(session), appName: client?.name }));
    return undefined;
  }
  return { pending, session, user };
}

/** GET /auth/interaction/:rid — the next page of the flow. */
export async function showInteraction(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const step = await load(req, res, deps);
  if (!step) return;
  const { pending, session, user } = step;
  const client = await deps.c.clients.findOne({ _id: pending.clientId });
  const appName = client?.name ?? pending.clientId;
  const csrf = deps.sessions.csrfToken(session);
  if (needsPatient(pending) && !pending.patientChosen) {
    if (user.role === 'patient') {
      // a patient user always opens their own record
      const own = (user.fhirUser as string).slice('Patient/'.length);
      await deps.c.pending.replaceOne({ _id: pending._id }, { ...pending, patient: own, patientChosen: true });
      res.redirect(303, base(deps, pending));
      return;
    }
    res.type('html').send(pickerPage({ action: `${base(deps, pending)}/patient`, csrf, appName, patients: await patientOptions(deps.config.store) }));
    return;
  }
  const patient = pending.patient ? await patientLabelById(deps.config.store, pending.patient) : undefined;
  const scopes = splitScope(finalScope(pending, user)).map(describeScope);
  res.type('html').send(consentPage({ action: `${base(deps, pending)}/consent`, csrf, appName, patient, scopes }));
}

/** The interaction step of a posted form, or undefined once a refusal was sent (unknown step, stale CSRF token). */
async function loadPosted(req: Request, res: Response, deps: AuthDeps): Promise<Awaited<ReturnType<typeof load>>> {
  const step = await load(req, res, deps);
  if (!step) return undefined;
  if (!deps.sessions.checkCsrf(step.session, single(req.body, 'csrf'))) {
    res.status(403).type('html').send(errorPage('Request refused', 'The form expired. Please go back and try again.'));
    return undefined;
  }
  return step;
}

/** POST /auth/interaction/:rid/patient — the picker's choice. */
export async function choosePatient(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const step = await loadPosted(req, res, deps);
  if (!step) return;
  const { pending, user } = step;
  const patient = single(req.body, 'patient') ?? '';
  const allowed = user.role === 'patient' ? user.fhirUser === `Patient/${patient}` : await exists(deps.config.store, 'Patient', patient);
  if (!allowed) {
    res.status(400).type('html').send(errorPage('Unknown patient', 'Please choose a patient from the list.'));
    return;
  }
  await deps.c.pending.replaceOne({ _id: pending._id }, { ...pending, patient, patientChosen: true });
  res.redirect(303, base(deps, pending));
}

/** POST /auth/interaction/:rid/consent — Allow issues the code, Deny returns access_denied. */
export async function decide(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const step = await loadPosted(req, res, deps);
  if (!step) return;
  const { pending, session, user } = step;
  noteForAudit(res, { clientId: pending.clientId, userId: user._id, fhirUser: user.fhirUser, patient: pending.patient });
  if (needsPatient(pending) && !pending.patientChosen) {
    res.redirect(303, base(deps, pending));
    return;
  }
  if ((await deps.c.pending.deleteOne({ _id: pending._id })) !== 1) {
    res.status(400).type('html').send(errorPage('Already answered', 'This request was already answered.'));
    return;
  }
  if (single(req.body, 'decision') !== 'allow') {
    res.redirect(303, redirectWith(pending.redirectUri, { error: 'access_denied', error_description: 'The user denied access', state: pending.state }));
    return;
  }
  const code = randomToken(32);
  const now = deps.config.now();
  await deps.c.codes.insertOne({
    _id: sha256(code),
    gid: randomToken(18),
    clientId: pending.clientId,
    scope: finalScope(pending, user),
    userId: user._id,
    ...(user.fhirUser ? { fhirUser: user.fhirUser } : {}),
    ...(pending.patient ? { patient: pending.patient } : {}),
    ...(pending.encounter ? { encounter: pending.encounter } : {}),
    ...(pending.needPatientBanner !== undefined ? { needPatientBanner: pending.needPatientBanner } : {}),
    ...(pending.nonce ? { nonce: pending.nonce } : {}),
    authTime: Math.floor(now / 1000),
    sessionId: session._id,
    redirectUri: pending.redirectUri,
    codeChallenge: pending.codeChallenge,
    expiresAt: now + deps.config.codeSeconds * 1000,
    used: false,
  });
  res.redirect(303, redirectWith(pending.redirectUri, { code, state: pending.state }));
}

/** The scopes really granted: context scopes only when their context exists. */
function finalScope(pending: PendingDoc, user: UserDoc): string {
  return splitScope(pending.scope)
    .filter((s) => s !== 'launch/encounter' || pending.encounter !== undefined)
    .filter((s) => s !== 'fhirUser' || user.fhirUser !== undefined)
    // administration is for administrators only, whatever scope the app was registered with
    .filter((s) => s !== ADMIN_SCOPE || user.role === 'admin')
    .filter((s) => (s !== 'launch/patient' && parseResourceScope(s)?.grant.context !== 'patient') || pending.patient !== undefined)
    .join(' ');
}

/** POST /auth/login — username and password, then back to `next` (an /auth page only). */
export async function login(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const session = await deps.sessions.current(req);
  const nextParam = single(req.body, 'next') ?? '';
  const next = nextParam.startsWith(`${deps.config.authPath}/`) && !nextParam.includes('//') ? nextParam : `${deps.config.authPath}/launcher`;
  if (!session || !deps.sessions.checkCsrf(session, single(req.body, 'csrf'))) {
    res.status(403).type('html').send(errorPage('Request refused', 'The sign-in form expired. Please start again.'));
    return;
  }
  const username = single(req.body, 'username') ?? '';
  const again = (status: number, error: string) =>
    res.status(status).type('html').send(loginPage({ action: `${deps.config.authPath}/login`, next, csrf: deps.sessions.csrfToken(session), error }));
  // throttled per username (known or not: no enumeration) and per address, before the password is checked
  const guard = deps.throttle.guard(req);
  const key = AttemptGuard.userKey(username);
  try {
    await guard.before(key);
  } catch (error) {
    if (!(error instanceof TooManyAttempts)) throw error;
    res.setHeader('Retry-After', String(error.retryAfterSeconds));
    again(429, `Too many failed sign-in attempts. Please try again in ${Math.ceil(error.retryAfterSeconds / 60)} minute(s).`);
    return;
  }
  const user = await deps.c.users.findOne({ _id: username });
  if (!(await verifySecret(single(req.body, 'password') ?? '', user?.passwordHash)) || !user) {
    await guard.failed(key);
    again(401, 'Wrong username or password.');
    return;
  }
  await guard.succeeded(key);
  noteForAudit(res, { userId: user._id, fhirUser: user.fhirUser });
  await deps.sessions.login(session, res, user._id);
  res.redirect(303, next);
}
