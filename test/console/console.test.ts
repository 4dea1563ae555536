import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { ADMIN_SECRET, ADMIN_USER, PRACTITIONER_USER, adminToken, patientId, registerUser, seed, startConsoleServer, type ConsoleServer } from './server';

/**
 * The console in headless Chromium against the whole composed server (AUTH on, seeded): sign-in,
 * browsing, a patient's timeline with its charts, app registration and a sandbox EHR launch of the
 * console's fhirclient demo app. With CONSOLE_SCREENSHOTS=1 each page is saved under docs/screenshots.
 */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Skipping the console browser tests: ${CHROMIUM} is absent (apt-get install -y chromium)`);
const maybe = available ? describe : describe.skip;
const SHOTS = process.env.CONSOLE_SCREENSHOTS === '1' ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots') : undefined;

jest.setTimeout(180_000);

maybe('the console in headless Chromium', () => {
  let s: ConsoleServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let alice: string;

  beforeAll(async () => {
    s = await startConsoleServer({ auth: true });
    const token = await adminToken(s);
    await seed(s, token);
    await registerUser(s, token, ADMIN_USER);
    await registerUser(s, token, PRACTITIONER_USER);
    alice = await patientId(s, 1, token);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // a busy machine: waits are for events, the generous timeout only bounds a real failure
    context.setDefaultTimeout(90_000);
    page = await context.newPage();
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  const shot = async (p: Page, name: string) => {
    if (SHOTS) await p.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };
  /**
   * A fresh document for each page: going from one #route to another in the same document
   * re-renders the view after goto() returns, and a test could fill the view being replaced.
   */
  const open = async (p: Page, route: string) => {
    await p.goto('about:blank');
    await p.goto(`${s.origin}${route}`);
  };
  const signInOnServerPage = async (p: Page, user: { username: string; password: string }) => {
    await p.getByLabel('Username').fill(user.username);
    await p.getByLabel('Password').fill(user.password);
    await p.getByRole('button', { name: 'Sign in' }).click();
  };

  it('home: status, FHIR base and API links, before sign-in', async () => {
    await open(page, `/`);
    await page.waitForSelector('#status');
    expect(await page.textContent('#status')).toBe('Ready');
    expect(await page.textContent('#fhir-base')).toBe(s.base);
    const hrefs = await page.$$eval('ul.links a', (links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs).toEqual(expect.arrayContaining([`${s.base}/metadata`, `${s.base}/openapi.json`, `${s.base}/.well-known/smart-configuration`]));
    await shot(page, 'home');
  });

  it('data pages ask for a sign-in first', async () => {
    await open(page, `/#/browse/Patient`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Please sign in as an administrator');
    expect(await page.locator('table').count()).toBe(0);
  });

  it('a practitioner account is refused: the console needs an administrator', async () => {
    await open(page, `/#/signin`);
    await page.getByRole('button', { name: 'Sign in with an account' }).click();
    await signInOnServerPage(page, PRACTITIONER_USER);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('not an administrator');
    expect(page.url()).toBe(`${s.origin}/#/`);
    // the server-side sign-in session of the practitioner must not carry over to the admin
    await context.clearCookies();
  }, 120_000);

  it('a wrong admin client secret is refused', async () => {
    await open(page, `/#/signin`);
    await page.getByLabel('Admin client secret').fill('wrong-secret-0123456789');
    await page.getByRole('button', { name: 'Sign in with the secret' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Client authentication failed');
    expect(await page.locator('#who').textContent()).toContain('Sign in');
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  });

  it('signs in an administrator account through the SMART sign-in (code + PKCE), no code left in the address', async () => {
    await open(page, '/#/signin');
    await shot(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in with an account' }).click();
    await signInOnServerPage(page, ADMIN_USER);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForFunction(() => document.getElementById('who')?.textContent?.includes('Signed in'));
    expect(page.url()).toBe(`${s.origin}/#/`);
    const stored = await page.evaluate(() => Object.keys(sessionStorage));
    expect(stored).toEqual(['telefhir.console.token']);
  }, 120_000);

  it('browses and searches resources, and shows one as JSON', async () => {
    await open(page, `/#/browse/Patient`);
    await page.waitForSelector('#result-count');
    expect(await page.locator('tbody tr').count()).toBe(6);
    await page.getByLabel('Search Patient').fill(`_id=${alice}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tbody tr').length === 1);
    await shot(page, 'browse');
    await page.getByRole('link', { name: alice }).click();
    await page.waitForSelector('#resource-json');
    expect(JSON.parse((await page.textContent('#resource-json')) ?? '{}')).toMatchObject({ resourceType: 'Patient', id: alice });
    await shot(page, 'resource');
  });

  it("a patient's telehealth timeline: visits, reading charts, flags and a media thumbnail", async () => {
    await open(page, `/#/patient/${alice}`);
    await page.waitForSelector('#readings svg.chart');
    // five kinds of reading; the blood-pressure panel is one chart with two lines
    expect(await page.locator('#readings svg.chart').count()).toBe(5);
    const bp = page.locator('svg.chart', { has: page.locator('title', { hasText: 'Blood pressure' }) });
    expect(await bp.locator('polyline').count()).toBe(2);
    expect(await bp.locator('circle').count()).toBe(60);
    expect(await page.locator('#visits tbody tr', { hasText: 'Video visit (VR)' }).count()).toBe(1);
    expect(await page.locator('#flags li.flag').count()).toBeGreaterThan(0);
    await page.waitForFunction(() => {
      const img = document.querySelector('#media img') as HTMLImageElement | null;
      return img !== null && img.complete && img.naturalWidth > 0;
    });
    expect(await page.getAttribute('#media img', 'src')).toMatch(/^blob:/);
    await shot(page, 'timeline');
  });

  it('registers the demo app and a user through the forms', async () => {
    await open(page, `/#/apps`);
    await page.getByRole('button', { name: 'Fill in the sandbox demo app' }).click();
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.getByText('Registered telefhir-demo-app.').waitFor();
    await page.locator('#registered td', { hasText: 'telefhir-demo-app' }).first().waitFor();
    await page.locator('#user-form').getByLabel('Username').fill('nurse-ann');
    await page.locator('#user-form').getByLabel('Password').fill('nurse-ann-pass');
    await page.getByRole('button', { name: 'Register user' }).click();
    await page.getByText('Registered user nurse-ann.').waitFor();
    await shot(page, 'apps');
    // a second registration of the same id is refused with the server's reason
    await page.getByRole('button', { name: 'Fill in the sandbox demo app' }).click();
    await page.getByRole('button', { name: 'Register app' }).click();
    await page.locator('#app-form [role=alert]').waitFor();
    expect(await page.locator('#app-form [role=alert]').textContent()).toContain('already exists');
  });

  it('launches the demo app from the sandbox with a patient and encounter: fhirclient completes the EHR launch', async () => {
    // the sandbox opens with the patient it was sent for (two patients: at most one is the first option)
    const other = await patientId(s, 2, await adminToken(s));
    await open(page, `/#/sandbox?patient=${other}`);
    await page.getByLabel('App').waitFor();
    expect(await page.getByLabel('Patient').inputValue()).toBe(other);
    // from the patient's timeline
    await open(page, `/#/patient/${alice}`);
    await page.getByRole('link', { name: 'Launch an app for this patient' }).click();
    await page.getByLabel('App').selectOption('telefhir-demo-app');
    expect(await page.getByLabel('Patient').inputValue()).toBe(alice);
    await page.waitForFunction(() => (document.getElementById('launch-encounter') as HTMLSelectElement).options.length > 1);
    const encounter = await page.$eval('#launch-encounter', (el) => (el as HTMLSelectElement).options[1]?.value ?? '');
    await page.getByLabel('Encounter').selectOption(encounter);
    await shot(page, 'sandbox');
    await page.getByRole('button', { name: 'Launch' }).click();
    // the administrator is still signed in at the authorization server: straight to consent
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/console\/demo-app\/index\.html/, { timeout: 90_000 });
    await page.waitForFunction(
      () => {
        const text = document.getElementById('out')?.textContent;
        return typeof text === 'string' && text !== 'waiting';
      },
      undefined,
      { timeout: 90_000 },
    );
    expect(JSON.parse((await page.textContent('#out')) ?? '')).toEqual({ patient: alice, encounter });
    expect(page.url()).toMatch(new RegExp(`^${s.origin}/console/demo-app/index.html`));
    await shot(page, 'demo-app');
  }, 120_000);

  it("signing out revokes the administrator's token at the server", async () => {
    await open(page, '/#/');
    const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('telefhir.console.token') ?? '{}').access_token as string);
    expect((await fetch(`${s.base}/Patient?_count=1`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
    expect((await fetch(`${s.base}/Patient?_count=1`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('signs in with the admin client secret and signs out again', async () => {
    const other = await context.newPage();
    await open(other, `/#/signin`);
    await other.getByLabel('Admin client secret').fill(ADMIN_SECRET);
    await other.getByRole('button', { name: 'Sign in with the secret' }).click();
    await other.waitForFunction(() => document.getElementById('who')?.textContent?.includes('Signed in: admin client'));
    await open(other, `/#/browse/Patient`);
    await other.waitForSelector('#result-count');
    await other.getByRole('button', { name: 'Sign out' }).click();
    await other.getByRole('link', { name: 'Sign in', exact: true }).waitFor();
    expect(await other.evaluate(() => sessionStorage.length)).toBe(0);
    await other.close();
  });

  it('with AUTH=off: no sign-in, a loud badge, and browsing works without a token', async () => {
    const off = await startConsoleServer({ auth: false });
    try {
      const created = await fetch(`${off.base}/Patient`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Patient', name: [{ given: ['Open'], family: 'Door' }] }),
      });
      expect(created.status).toBe(201);
      const other = await context.newPage();
      await other.goto('about:blank');
      await other.goto(`${off.origin}/#/browse/Patient`);
      await other.waitForSelector('#result-count');
      expect(await other.locator('tbody tr').textContent()).toContain('Open Door');
      expect(await other.locator('#who').textContent()).toBe('Auth off');
      await other.goto('about:blank');
      await other.goto(`${off.origin}/#/sandbox`);
      await other.getByText('SMART launches need it on').waitFor();
      await other.close();
    } finally {
      await off.close();
    }
  });
});
