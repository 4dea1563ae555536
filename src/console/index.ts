import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import type { AuthModule } from '../auth/api';
import { consoleHeaders } from './headers';
import { shellHtml, type ShellSettings } from './shell';

/**
 * The web console at `/`: status and links, an administrator sign-in, a resource browser, a
 * patient's telehealth timeline, SMART app and user registration, and a SMART launch sandbox.
 *
 * The server side is deliberately thin: it serves one HTML shell and static scripts; the browser
 * signs in as a public SMART client (authorization code + PKCE against this server's own
 * authorization server, see docs/adr/0007-console-sign-in.md) and then uses the very FHIR and
 * admin APIs every other client uses, with the same access checks. No patient data is rendered
 * on the server.
 */
export const CONSOLE_PATH = '/console';
export const CONSOLE_CLIENT_ID = 'telefhir-console';
/** Administration plus what an administrator user may do with FHIR data. */
export const CONSOLE_SCOPE = 'openid fhirUser telefhir/admin user/*.cruds';

export interface ConsoleOptions {
  /** The FHIR base URL; the console's own URLs share its origin and path prefix. */
  baseUrl: string;
  /** Absent when AUTH=off: the console then has no sign-in. */
  auth?: AuthModule;
}

export async function createConsole(options: ConsoleOptions): Promise<Router> {
  const root = new URL(options.baseUrl).toString().replace(/\/+$/, '').replace(/\/fhir$/, '');
  const settings: ShellSettings = {
    fhirBase: options.baseUrl.replace(/\/+$/, ''),
    consolePath: CONSOLE_PATH,
    ...(options.auth ? { signIn: { clientId: CONSOLE_CLIENT_ID, redirectUri: `${root}${CONSOLE_PATH}/callback`, scope: CONSOLE_SCOPE } } : {}),
  };
  if (options.auth && settings.signIn) {
    await options.auth.ensurePublicClient?.({
      clientId: CONSOLE_CLIENT_ID,
      name: 'Telefhir console',
      redirectUris: [settings.signIn.redirectUri],
      scope: CONSOLE_SCOPE,
    });
  }
  const shell = shellHtml(settings);
  const router = express.Router();
  const sendShell: express.RequestHandler = (_req, res) => void res.type('html').send(shell);
  router.get(['/', CONSOLE_PATH, `${CONSOLE_PATH}/callback`], consoleHeaders, sendShell);
  router.get(`${CONSOLE_PATH}/vendor/fhir-client.js`, consoleHeaders, (_req, res) => res.sendFile(fhirClientBundle()));
  router.use(CONSOLE_PATH, consoleHeaders, express.static(assetsDir(), { index: ['index.html'], redirect: false, dotfiles: 'ignore', cacheControl: false }));
  return router;
}

/**
 * The front-end files: next to the compiled code (the build copies them into dist/), or in the
 * source tree when running from source (tests, ts-node).
 */
function assetsDir(): string {
  const beside = path.join(__dirname, 'assets');
  if (existsSync(beside)) return beside;
  return path.resolve(__dirname, '..', '..', '..', 'src', 'console', 'assets');
}

/** fhirclient's browser build, served from node_modules (no CDN); used by the sandbox demo app. */
function fhirClientBundle(): string {
  return path.join(path.dirname(require.resolve('fhirclient/package.json')), 'build', 'fhir-client.min.js');
}
