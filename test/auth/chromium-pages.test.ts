import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { startAuthServer, type AuthServer } from './harness';

/**
 * The security headers of the sign-in pages, as a real browser applies them: the page's own
 * stylesheet still applies under the CSP (no violation reported), and another site cannot
 * frame the sign-in form (clickjacking).
 */
const CHROMIUM = '/usr/bin/chromium';
const maybe = existsSync(CHROMIUM) ? describe : describe.skip;

maybe('sign-in pages in headless Chromium', () => {
  let s: AuthServer;
  let browser: Browser;
  let framer: Server;
  let framerOrigin: string;

  beforeAll(async () => {
    s = await startAuthServer({ live: true });
    framer = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><html><body><iframe id="victim" src="${s.origin}/auth/launcher"></iframe></body></html>`);
    });
    await new Promise<void>((resolve) => framer.listen(0, '127.0.0.1', resolve));
    framerOrigin = `http://127.0.0.1:${(framer.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (framer ? framer.close(() => resolve()) : resolve()));
    await s?.close();
  });

  it('the sign-in page is styled and breaks no CSP rule', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    const res = await page.goto(`${s.origin}/auth/launcher`);
    expect(res?.status()).toBe(200);
    await page.waitForSelector('#username');
    // the stylesheet applied: the card is white on the grey page background
    const background = await page.$eval('main', (el) => getComputedStyle(el).backgroundColor);
    expect(background).toBe('rgb(255, 255, 255)');
    expect(violations).toEqual([]);
    await page.close();
  }, 180_000);

  it('another site cannot frame the sign-in form', async () => {
    const page = await browser.newPage();
    // the load event of the framing page waits for the frame (loaded or refused)
    await page.goto(`${framerOrigin}/`, { waitUntil: 'load' });
    const victim = page.frames().find((frame) => frame !== page.mainFrame());
    expect(victim).toBeDefined();
    expect(await victim?.$('#username').catch(() => null)).toBeNull();
    await page.close();
  }, 180_000);
});
