import { adminToken, startConsoleServer, type ConsoleServer } from './server';

/** The console's HTTP surface, without a browser: headers on every page, its SMART client, AUTH=off. */
jest.setTimeout(180_000);

const PAGES = ['/', '/console', '/console/callback', '/console/app/main.js', '/console/app/console.css', '/console/demo-app/index.html', '/console/demo-app/launch.html', '/console/vendor/fhir-client.js'];

describe('console over HTTP', () => {
  let on: ConsoleServer;
  let off: ConsoleServer;
  beforeAll(async () => {
    [on, off] = await Promise.all([startConsoleServer({ auth: true }), startConsoleServer({ auth: false })]);
  }, 180_000);
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it.each(PAGES)('%s answers with the security headers (no framing, no sniffing, no caching, same-origin scripts only)', async (page) => {
    const response = await fetch(`${on.origin}${page}`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
  });

  it('the shell carries the sign-in settings and no inline script', async () => {
    const html = await (await fetch(`${on.origin}/`)).text();
    expect(html).toContain(`data-fhir-base="${on.base}"`);
    expect(html).toContain('data-auth="on"');
    expect(html).toContain('data-client-id="telefhir-console"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('registers itself as a public SMART client (code + PKCE, its own callback only)', async () => {
    const token = await adminToken(on);
    const response = await fetch(`${on.origin}/auth/admin/clients/telefhir-console`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      type: 'public',
      token_endpoint_auth_method: 'none',
      redirect_uris: [`${on.origin}/console/callback`],
      grant_types: ['authorization_code'],
    });
  });

  it('the console client cannot get a token without a user: no client_credentials, no secret', async () => {
    const response = await fetch(`${on.origin}/auth/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'telefhir-console', scope: 'telefhir/admin' }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.error).toBe('unauthorized_client');
    expect(body.access_token).toBeUndefined();
  });

  it('an unknown asset or path under /console is a 404, and paths outside it are untouched', async () => {
    expect((await fetch(`${on.origin}/console/app/nope.js`)).status).toBe(404);
    expect((await fetch(`${on.origin}/console/../package.json`)).status).toBe(404);
    expect((await fetch(`${on.origin}/console/%2e%2e/%2e%2e/package.json`)).status).toBe(404);
    const other = await fetch(`${on.origin}/nope`);
    expect(other.status).toBe(404);
    expect(other.headers.get('content-security-policy')).toBeNull();
  });

  it('with AUTH=off the console has no sign-in and registers no client', async () => {
    const html = await (await fetch(`${off.origin}/`)).text();
    expect(html).toContain('data-auth="off"');
    expect(html).not.toContain('data-client-id');
    expect((await fetch(`${off.origin}/auth/admin/clients`)).status).toBe(404);
  });
});
