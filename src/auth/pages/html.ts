import { createHash } from 'node:crypto';

/** Server-rendered pages: no framework, no script, accessible and mobile-friendly. */

export const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f6f8;color:#1b1f23;line-height:1.5}
main{max-width:32rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin-top:0}label{display:block;font-weight:600;margin-top:1rem}
input,select{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #6a737d;border-radius:4px}
button{margin-top:1.25rem;padding:.7rem 1.2rem;font-size:1rem;border-radius:4px;border:1px solid #0a4b8c;background:#0b5cad;color:#fff;cursor:pointer}
button.secondary{background:#fff;color:#0b5cad}button:focus,input:focus,select:focus{outline:3px solid #f9a825;outline-offset:2px}
.error{color:#a40e26;background:#ffe9ec;padding:.6rem;border-radius:4px}ul.scopes li{margin:.3rem 0}
fieldset{border:0;padding:0;margin:0}legend{font-weight:600}.choice{display:flex;gap:.5rem;align-items:center;margin:.4rem 0}
.choice input{width:auto}.choice label{margin:0;font-weight:400}`;

/**
 * The pages' only inline code is the stylesheet above, allowed by its hash: no script, no other
 * style, no plugin, no frame may load, and no other site may frame a page (clickjacking of the
 * sign-in and consent forms). `form-action` is left out on purpose: browsers apply it to the
 * redirect that follows the consent form, which goes to the app's own redirect_uri.
 */
const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');
export const PAGE_CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self'; base-uri 'none'; frame-ancestors 'none'`;

/** Headers of every HTML page: never framed, never sniffed, never cached, never leaking the URL (it may hold request ids). */
export const PAGE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': PAGE_CSP,
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'Referrer-Policy': 'no-referrer',
});

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} – Telefhir</title><style>${STYLE}</style></head>
<body><main id="main"><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

const hidden = (name: string, value: string) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
const errorBox = (error?: string) => (error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : '');

export function loginPage(o: { action: string; next: string; csrf: string; error?: string; appName?: string }): string {
  return page(
    'Sign in',
    `${o.appName ? `<p><strong>${escapeHtml(o.appName)}</strong> asks you to sign in.</p>` : ''}${errorBox(o.error)}
<form method="post" action="${escapeHtml(o.action)}">${hidden('csrf', o.csrf)}${hidden('next', o.next)}
<label for="username">Username</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>`,
  );
}

export interface PatientOption {
  id: string;
  label: string;
}

export function pickerPage(o: { action: string; csrf: string; patients: PatientOption[]; appName: string }): string {
  const options = o.patients
    .map((p, i) => `<div class="choice"><input type="radio" id="p${i}" name="patient" value="${escapeHtml(p.id)}"${i === 0 ? ' required' : ''}><label for="p${i}">${escapeHtml(p.label)}</label></div>`)
    .join('');
  return page(
    'Choose a patient',
    o.patients.length === 0
      ? '<p class="error" role="alert">No patient is available to you.</p>'
      : `<form method="post" action="${escapeHtml(o.action)}">${hidden('csrf', o.csrf)}
<fieldset><legend>Which patient should ${escapeHtml(o.appName)} open?</legend>${options}</fieldset>
<button type="submit">Continue</button></form>`,
  );
}

export function consentPage(o: { action: string; csrf: string; appName: string; patient?: string; scopes: string[] }): string {
  const items = o.scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('');
  return page(
    'Allow access?',
    `<p><strong>${escapeHtml(o.appName)}</strong> would like to:</p><ul class="scopes">${items}</ul>
${o.patient ? `<p>Patient: <strong>${escapeHtml(o.patient)}</strong></p>` : ''}
<form method="post" action="${escapeHtml(o.action)}">${hidden('csrf', o.csrf)}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny" class="secondary">Deny</button></form>`,
  );
}

export function launcherPage(o: {
  action: string;
  csrf: string;
  apps: Array<{ id: string; name: string }>;
  patients: PatientOption[];
  encounters: PatientOption[];
  error?: string;
}): string {
  const select = (name: string, label: string, items: PatientOption[], optional: boolean) =>
    `<label for="${name}">${label}</label><select id="${name}" name="${name}"${optional ? '' : ' required'}>${optional ? '<option value="">(none)</option>' : ''}${items
      .map((i) => `<option value="${escapeHtml(i.id)}">${escapeHtml(i.label)}</option>`)
      .join('')}</select>`;
  return page(
    'Launch an app',
    `${errorBox(o.error)}<form method="post" action="${escapeHtml(o.action)}">${hidden('csrf', o.csrf)}
${select('client_id', 'App', o.apps.map((a) => ({ id: a.id, label: a.name })), false)}
${select('patient', 'Patient', o.patients, false)}
${select('encounter', 'Encounter (optional)', o.encounters, true)}
<button type="submit">Launch</button></form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<p class="error" role="alert">${escapeHtml(message)}</p><p>You can close this window and return to the app.</p>`);
}
