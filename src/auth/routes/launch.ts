import type { Request, Response } from 'express';
import type { AccessContext } from '../../fhir/access/context';
import { randomToken } from '../crypto';
import { formParams, single, type AuthDeps } from '../deps';
import { invalidRequest } from '../errors';
import { encounterOptions, exists, patientOptions } from '../fhir-data';
import type { LaunchDoc } from '../model';
import { errorPage, launcherPage, loginPage } from '../pages/html';
import { requireBearer } from './bearer';

/**
 * EHR launch contexts: POST /auth/launch (API, admin or practitioner token) and the launcher
 * page /auth/launcher, where a signed-in practitioner picks an app, a patient and optionally an
 * encounter and is sent to the app's launch URL with `iss` and `launch`.
 */
const LAUNCH_SECONDS = 3600;

const mayLaunch = (a: AccessContext) => a.admin === true || (a.fhirUser?.startsWith('Practitioner') ?? false);

async function createLaunch(
  deps: AuthDeps,
  input: { patient?: string; encounter?: string; clientId?: string; needPatientBanner?: boolean },
  createdBy: string,
): Promise<LaunchDoc> {
  if (!input.patient || !(await exists(deps.config.store, 'Patient', input.patient))) throw invalidRequest('patient must name an existing Patient id');
  if (input.encounter && !(await exists(deps.config.store, 'Encounter', input.encounter))) throw invalidRequest('encounter must name an existing Encounter id');
  if (input.clientId && !(await deps.c.clients.findOne({ _id: input.clientId }))) throw invalidRequest('client_id is not registered');
  const launch: LaunchDoc = {
    _id: randomToken(24),
    patient: input.patient,
    ...(input.encounter ? { encounter: input.encounter } : {}),
    ...(input.clientId ? { clientId: input.clientId } : {}),
    needPatientBanner: input.needPatientBanner ?? true,
    createdBy,
    expiresAt: deps.config.now() + LAUNCH_SECONDS * 1000,
  };
  await deps.c.launches.insertOne(launch);
  return launch;
}

function launchUrlOf(deps: AuthDeps, launchUrl: string, launch: string): string {
  const url = new URL(launchUrl);
  url.searchParams.set('iss', deps.config.baseUrl);
  url.searchParams.set('launch', launch);
  return url.toString();
}

/** POST /auth/launch {patient, encounter?, client_id?, need_patient_banner?} → {launch, expires_in, launch_url?} */
export async function launchApi(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const caller = await requireBearer(req.headers.authorization, deps, mayLaunch);
  const body = (req.is('application/json') ? req.body : formParams(req.body)) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const clientId = str(body.client_id);
  const launch = await createLaunch(
    deps,
    {
      patient: str(body.patient)?.replace(/^Patient\//, ''),
      encounter: str(body.encounter)?.replace(/^Encounter\//, ''),
      clientId,
      needPatientBanner: body.need_patient_banner === undefined ? undefined : body.need_patient_banner === true || body.need_patient_banner === 'true',
    },
    caller.subject ?? 'unknown',
  );
  const client = clientId ? await deps.c.clients.findOne({ _id: clientId }) : null;
  res.status(201).json({
    launch: launch._id,
    expires_in: LAUNCH_SECONDS,
    ...(client?.launchUrl ? { launch_url: launchUrlOf(deps, client.launchUrl, launch._id) } : {}),
  });
}

/** GET /auth/launcher */
export async function showLauncher(req: Request, res: Response, deps: AuthDeps, error?: string): Promise<void> {
  const session = await deps.sessions.ensure(req, res);
  const csrf = deps.sessions.csrfToken(session);
  const user = session.userId ? await deps.c.users.findOne({ _id: session.userId }) : null;
  if (!user) {
    res.type('html').send(loginPage({ action: `${deps.config.authPath}/login`, next: `${deps.config.authPath}/launcher`, csrf }));
    return;
  }
  if (user.role === 'patient') {
    res.status(403).type('html').send(errorPage('Not allowed', 'Only practitioners and administrators can launch apps for a patient.'));
    return;
  }
  const apps = (await deps.c.clients.find({}, { sort: { _id: 1 } })).filter((c) => c.launchUrl).map((c) => ({ id: c._id, name: c.name }));
  const [patients, encounters] = await Promise.all([patientOptions(deps.config.store), encounterOptions(deps.config.store)]);
  res.status(error ? 400 : 200).type('html').send(launcherPage({ action: `${deps.config.authPath}/launcher`, csrf, apps, patients, encounters, error }));
}

/** POST /auth/launcher */
export async function submitLauncher(req: Request, res: Response, deps: AuthDeps): Promise<void> {
  const session = await deps.sessions.current(req);
  const user = session?.userId ? await deps.c.users.findOne({ _id: session.userId }) : null;
  if (!session || !deps.sessions.checkCsrf(session, single(req.body, 'csrf')) || !user || user.role === 'patient') {
    res.status(403).type('html').send(errorPage('Request refused', 'Please sign in as a practitioner and try again.'));
    return;
  }
  const clientId = single(req.body, 'client_id');
  const client = clientId ? await deps.c.clients.findOne({ _id: clientId }) : null;
  if (!client?.launchUrl) {
    await showLauncher(req, res, deps, 'Choose a registered app with a launch URL.');
    return;
  }
  try {
    const launch = await createLaunch(deps, { patient: single(req.body, 'patient'), encounter: single(req.body, 'encounter') || undefined, clientId: client._id }, user._id);
    res.redirect(303, launchUrlOf(deps, client.launchUrl, launch._id));
  } catch (error) {
    await showLauncher(req, res, deps, (error as Error).message.replace(/^invalid_request: /, ''));
  }
}
