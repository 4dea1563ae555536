import { loadConfig } from '../../src/config';
import { guardedLookup, refusedAddress, refusedEndpoint } from '../../src/subscriptions/endpoint';
import { subscriptionSettings } from '../../src/subscriptions/settings';

/** The endpoint policy (server-side request forgery guard), with and without private addresses. */
const strict = subscriptionSettings({ allowPrivate: false });
const lax = subscriptionSettings({ allowPrivate: true });

it('always refuses link-local, cloud-metadata and unspecified addresses', () => {
  for (const address of ['169.254.169.254', '169.254.0.1', 'fe80::1', 'febf::1', '::ffff:169.254.169.254', '100.100.100.200', 'fd00:ec2::254', '0.0.0.0', '::']) {
    expect([address, refusedAddress(address, lax)]).toEqual([address, expect.any(String)]);
  }
  expect(refusedEndpoint('http://metadata.google.internal/computeMetadata/v1/', lax)).toMatch(/metadata/);
  expect(refusedEndpoint('http://[fe80::1%25eth0]/x', lax)).toBeDefined();
});

it('refuses loopback and private ranges unless allowed', () => {
  for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.1', '192.168.1.1', '100.64.0.1', '::1', 'fd12::1', '::ffff:10.0.0.1']) {
    expect([address, refusedAddress(address, strict)]).toEqual([address, expect.stringMatching(/private/)]);
    expect(refusedAddress(address, lax)).toBeUndefined();
  }
  expect(refusedEndpoint('http://localhost:8080/hook', strict)).toMatch(/private/);
  expect(refusedEndpoint('http://localhost:8080/hook', lax)).toBeUndefined();
  expect(refusedAddress('93.184.216.34', strict)).toBeUndefined();
  expect(refusedAddress('2606:2800:220:1::1', strict)).toBeUndefined();
});

it('applies the allow-list and refuses other schemes and credentials', () => {
  const listed = subscriptionSettings({ allowPrivate: true, allowedEndpoints: ['https://ehr.example.org/hooks/'] });
  expect(refusedEndpoint('https://ehr.example.org/hooks/visit', listed)).toBeUndefined();
  expect(refusedEndpoint('https://ehr.example.org/other', listed)).toMatch(/allow-list/);
  expect(refusedEndpoint('https://evil.example.org/hooks/', listed)).toMatch(/allow-list/);
  expect(refusedEndpoint('file:///etc/passwd', lax)).toMatch(/http/);
  expect(refusedEndpoint('https://user:pw@ehr.example.org/x', lax)).toMatch(/credentials/);
  expect(refusedEndpoint('not a url', lax)).toMatch(/absolute/);
});

it('checks the addresses a host name resolves to, at connection time', async () => {
  const resolve = (settings: typeof strict) =>
    new Promise<string>((done) => guardedLookup(settings)('localhost', {}, (error, address) => done(error ? `refused: ${error.message}` : String(address))));
  expect(await resolve(strict)).toMatch(/^refused: .*private/);
  expect(await resolve(lax)).toMatch(/^(127\.0\.0\.1|::1)$/);
});

it('allows private endpoints by default only when AUTH=off', () => {
  expect(loadConfig({ AUTH: 'off' }, []).subscriptionsAllowPrivate).toBe(true);
  expect(loadConfig({ AUTH: 'on' }, []).subscriptionsAllowPrivate).toBe(false);
  expect(loadConfig({ AUTH: 'on', SUBSCRIPTIONS_ALLOW_PRIVATE: 'true' }, []).subscriptionsAllowPrivate).toBe(true);
  expect(loadConfig({ SUBSCRIPTIONS_ALLOWED_ENDPOINTS: 'https://a/, https://b/' }, []).subscriptionsAllowedEndpoints).toEqual(['https://a/', 'https://b/']);
  expect(() => loadConfig({ SUBSCRIPTIONS_MAX_ATTEMPTS: '0' }, [])).toThrow(/SUBSCRIPTIONS_MAX_ATTEMPTS/);
});

it('documents every topic in conformance/subscription-topics.json', async () => {
  const { readFileSync } = await import('node:fs');
  const { TOPICS } = await import('../../src/subscriptions');
  const bundle = JSON.parse(readFileSync('conformance/subscription-topics.json', 'utf8')) as { entry: Array<{ resource: { url: string; title: string; notificationShape: Array<{ resource: string }> } }> };
  const documented = bundle.entry.map((e) => [e.resource.url, e.resource.title, e.resource.notificationShape.map((s) => s.resource)]);
  expect(documented).toEqual(TOPICS.map((t) => [t.url, t.title, t.resourceTypes]));
});
