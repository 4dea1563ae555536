import { readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import request from 'supertest';
import { admin, createResource, observation, registerBasics, startAuthServer, type AuthServer } from './harness';

/**
 * Headless Chromium running a browser SMART app built on fhirclient's browser bundle (served from
 * another origin, so CORS is exercised too), clicking through login, patient picker and consent.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Skipping the Chromium SMART tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const maybe = available ? describe : describe.skip;

const LAUNCH_HTML = `<!doctype html><html><head><script src="/fhir-client.js"></script></head><body>launching<script>
FHIR.oauth2.authorize({ clientId: 'browser-app', scope: 'launch launch/patient patient/Observation.rs openid fhirUser', redirectUri: '/callback.html' });
</script></body></html>`;
const CALLBACK_HTML = `<!doctype html><html><head><script src="/fhir-client.js"></script></head><body><pre id="out">waiting</pre><script>
FHIR.oauth2.ready()
  .then(client => client.request('Observation?patient=' + client.patient.id).then(b => ({ patient: client.patient.id, subjects: (b.entry || []).map(e => e.resource.subject.reference) })))
  .then(r => { document.getElementById('out').textContent = JSON.stringify(r); })
  .catch(e => { document.getElementById('out').textContent = 'ERROR ' + e.message; });
</script></body></html>`;

maybe('SMART launch in headless Chromium', () => {
  let s: AuthServer;
  let appServer: Server;
  let appOrigin: string;
  let browser: Browser;
  let alice: string;

  beforeAll(async () => {
    s = await startAuthServer({ live: true });
    alice = await createResource(s, { resourceType: 'Patient', name: [{ given: ['Alice'], family: 'Smith' }] });
    const bob = await createResource(s, { resourceType: 'Patient', name: [{ family: 'Bob' }] });
    await createResource(s, observation(alice));
    await createResource(s, observation(bob));
    await registerBasics(s, alice);
    const bundle = readFileSync(path.join(require.resolve('fhirclient/package.json'), '..', 'build', 'fhir-client.js'));
    appServer = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const send = (type: string, body: string | Buffer) => res.writeHead(200, { 'Content-Type': type }).end(body);
      if (url.pathname === '/fhir-client.js') send('text/javascript', bundle);
      else if (url.pathname === '/launch.html') send('text/html', LAUNCH_HTML);
      else if (url.pathname === '/callback.html') send('text/html', CALLBACK_HTML);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
    appOrigin = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}`;
    expect((await admin(s, '/clients', { client_id: 'browser-app', type: 'public', redirect_uris: [`${appOrigin}/callback.html`], launch_url: `${appOrigin}/launch.html` })).status).toBe(201);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
    await s?.close();
  });

  async function signIn(page: Page) {
    await page.waitForSelector('#username');
    await page.getByLabel('Username').fill('dr');
    await page.getByLabel('Password').fill('practitioner-pass');
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  async function result(page: Page) {
    // the element must exist: right after a click the consent page (which has no #out) may still be the document
    await page.waitForFunction(
      () => {
        const text = document.getElementById('out')?.textContent;
        return typeof text === 'string' && text !== 'waiting';
      },
      undefined,
      { timeout: 90_000 },
    );
    return (await page.textContent('#out')) ?? '';
  }

  it('standalone launch: login, picker, consent, then the patient-scoped Observations', async () => {
    const page = await browser.newPage();
    await page.goto(`${appOrigin}/launch.html?iss=${encodeURIComponent(s.base)}`);
    await signIn(page);
    await page.getByLabel(/Alice Smith/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    const text = await result(page);
    expect(JSON.parse(text)).toEqual({ patient: alice, subjects: [`Patient/${alice}`] });
    await page.close();
  }, 180_000);

  it('EHR launch from the launcher page', async () => {
    const page = await browser.newPage();
    await page.goto(`${s.origin}/auth/launcher`);
    await signIn(page);
    await page.getByLabel('App').selectOption('browser-app');
    await page.getByLabel('Patient', { exact: true }).selectOption(alice);
    await page.getByRole('button', { name: 'Launch' }).click();
    await page.getByRole('button', { name: 'Allow' }).click();
    expect(JSON.parse(await result(page))).toEqual({ patient: alice, subjects: [`Patient/${alice}`] });
    await page.close();
  }, 180_000);

  it('an aud other than this server shows an error page in the browser', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${s.origin}/auth/authorize?response_type=code&client_id=browser-app&redirect_uri=${encodeURIComponent(`${appOrigin}/callback.html`)}&aud=https://evil.example.org/fhir&state=x&scope=openid&code_challenge=${'a'.repeat(43)}&code_challenge_method=S256`);
    expect(res?.status()).toBe(400);
    expect(page.url().startsWith(s.origin)).toBe(true);
    await page.close();
    expect((await request(s.app).get('/auth/launcher')).status).toBe(200);
  });
});
