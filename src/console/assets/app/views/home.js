// Home: status and the entry points of the API.
import { h, show, table } from '../dom.js';
import { authOn, fhirBase, signedIn } from '../session.js';

async function json(url) {
  try {
    const response = await fetch(url, { headers: { Accept: 'application/fhir+json, application/json' } });
    return { status: response.status, body: await response.json().catch(() => null) };
  } catch {
    return { status: 0, body: null };
  }
}

export async function showHome() {
  const base = fhirBase();
  const [ready, metadata] = await Promise.all([json('/readyz'), json(`${base}/metadata`)]);
  const software = metadata.body?.software;
  const status = ready.status === 200 ? h('span', { class: 'badge ok', id: 'status' }, 'Ready') : h('span', { class: 'badge warn', id: 'status' }, 'Not ready');
  const link = (href, label) => h('a', { href }, label);
  show(
    'Telefhir console',
    h('p', {}, 'A FHIR R4 server for telehealth with a built-in SMART on FHIR authorization server.'),
    table(
      ['', ''],
      [
        ['Status', status],
        ['FHIR base', h('code', { id: 'fhir-base' }, base)],
        ['FHIR version', metadata.body?.fhirVersion ?? '?'],
        ['Software', software ? `${software.name} ${software.version ?? ''}` : '?'],
        ['Authorization', authOn() ? 'SMART on FHIR (tokens required)' : h('strong', {}, 'OFF: every caller may read and write everything')],
      ],
      'Server',
    ),
    h('h2', {}, 'API'),
    h(
      'ul',
      { class: 'links' },
      h('li', {}, link(`${base}/metadata`, 'CapabilityStatement'), ' — ', h('code', {}, 'GET /fhir/metadata')),
      h('li', {}, link(`${base}/openapi.json`, 'OpenAPI document'), ' — ', h('code', {}, 'GET /fhir/openapi.json')),
      authOn() ? h('li', {}, link(`${base}/.well-known/smart-configuration`, 'SMART configuration'), ' — ', h('code', {}, 'GET /fhir/.well-known/smart-configuration')) : null,
    ),
    h('h2', {}, 'Console'),
    h(
      'ul',
      { class: 'links' },
      !signedIn() ? h('li', {}, link('#/signin', 'Sign in as an administrator')) : null,
      h('li', {}, link('#/browse', 'Browse and search resources')),
      h('li', {}, link('#/browse/Patient', 'Patients and their telehealth timelines')),
      h('li', {}, link('#/apps', 'Register SMART apps and users')),
      h('li', {}, link('#/sandbox', 'Launch an app in the SMART sandbox')),
    ),
  );
}
