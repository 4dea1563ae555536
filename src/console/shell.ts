/** The one HTML document of the console: an empty shell the scripts in assets/app fill in. */

const escapeAttribute = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export interface ShellSettings {
  /** The FHIR base URL (also the `aud` of the console's sign-in). */
  fhirBase: string;
  /** Absent when AUTH=off. */
  signIn?: { clientId: string; redirectUri: string; scope: string };
  /** Where the console lives, e.g. `/console` (assets under it). */
  consolePath: string;
}

export function shellHtml(settings: ShellSettings): string {
  const data: Record<string, string> = {
    'data-fhir-base': settings.fhirBase,
    'data-console-path': settings.consolePath,
    'data-auth': settings.signIn ? 'on' : 'off',
    ...(settings.signIn
      ? { 'data-client-id': settings.signIn.clientId, 'data-redirect-uri': settings.signIn.redirectUri, 'data-scope': settings.signIn.scope }
      : {}),
  };
  const attributes = Object.entries(data)
    .map(([name, value]) => `${name}="${escapeAttribute(value)}"`)
    .join(' ');
  const p = escapeAttribute(settings.consolePath);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Telefhir console</title><link rel="stylesheet" href="${p}/app/console.css">
<script type="module" src="${p}/app/main.js"></script></head>
<body ${attributes}>
<header class="top"><a class="brand" href="/#/">Telefhir</a><nav id="nav" aria-label="Console"></nav><span id="who"></span></header>
<main id="view" tabindex="-1"><noscript>The console needs JavaScript. The FHIR API is at ${escapeAttribute(settings.fhirBase)}.</noscript></main>
</body></html>`;
}
