import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startAuthServer, type AuthServer } from '../auth/harness';

/** The OpenAPI viewer really renders in a browser under its CSP (headless Chromium, no download). */
const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available)
  console.warn(
    `Skipping the OpenAPI viewer browser test: ${CHROMIUM} is absent (apt-get install -y chromium)`,
  );
const maybe = available ? describe : describe.skip;

maybe('the OpenAPI viewer in headless Chromium', () => {
  let s: AuthServer;
  let browser: Browser;
  beforeAll(async () => {
    s = await startAuthServer({ live: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await s?.close();
  });

  it('renders the telehealth operations of the FHIR API from /fhir/openapi.json, with an Authorize button, and no CSP violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${s.origin}/fhir/openapi`);
    await page.waitForSelector('.opblock-tag[data-tag="Patient"]', { timeout: 120_000 });
    expect(await page.locator('.info .title').innerText()).toContain('FHIR R4 API');
    expect(await page.locator('button.authorize').count()).toBeGreaterThan(0);
    // it opens on the telehealth types; expanding one renders its operations
    expect(await page.locator('.opblock-tag').count()).toBeLessThan(20);
    await page.locator('.opblock-tag[data-tag="Patient"] button.expand-operation').click();
    await page.waitForFunction(() => document.querySelectorAll('.opblock').length > 0, undefined, {
      timeout: 120_000,
    });
    const paths = await page.locator('.opblock .opblock-summary-path').allInnerTexts();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(
      expect.arrayContaining(['/Patient', '/Patient/{id}']),
    );
    expect(problems.filter((p) => /Content Security Policy|Refused/i.test(p))).toEqual([]);
    await page.close();
  }, 180_000);
});
