// SMART app and user registration, through the admin API (/auth/admin/clients, /auth/admin/users).
import { authApi } from '../api.js';
import { alertBox, field, h, note, select, show, table } from '../dom.js';
import { authOn } from '../session.js';

/** The sandbox demo app served by the console (assets/demo-app), ready to register. */
export const DEMO_APP = {
  client_id: 'telefhir-demo-app',
  client_name: 'Sandbox demo app',
  launch: () => new URL('/console/demo-app/launch.html', location.href).toString(),
  redirect: () => new URL('/console/demo-app/index.html', location.href).toString(),
  scope: 'launch launch/patient launch/encounter openid fhirUser patient/*.rs',
};

const input = (id, attributes = {}) => h('input', { id, name: id, spellcheck: 'false', ...attributes });

function appForm(done) {
  const id = input('client_id', { required: true, pattern: '[A-Za-z0-9._~\\-]{1,128}' });
  const name = input('client_name');
  const type = select('type', [['public', 'Public (browser or mobile app, PKCE)'], ['confidential-symmetric', 'Confidential (client secret)']]);
  const redirects = h('textarea', { id: 'redirect_uris', name: 'redirect_uris', rows: 2, required: true, spellcheck: 'false' });
  const launch = input('launch_url', { type: 'url' });
  const scope = input('scope', { placeholder: 'default: every app scope' });
  const out = h('div', { 'aria-live': 'polite' });
  const fillDemo = () => {
    id.value = DEMO_APP.client_id;
    name.value = DEMO_APP.client_name;
    type.value = 'public';
    redirects.value = DEMO_APP.redirect();
    launch.value = DEMO_APP.launch();
    scope.value = DEMO_APP.scope;
  };
  const submit = (event) => {
    event.preventDefault();
    const body = { client_id: id.value, client_name: name.value || undefined, type: type.value, redirect_uris: redirects.value.split(/\s+/).filter(Boolean), launch_url: launch.value || undefined, scope: scope.value || undefined };
    authApi('/admin/clients', 'POST', body).then(
      (client) => {
        const secret = client.client_secret ? h('p', { class: 'secret' }, 'Client secret (shown once, copy it now): ', h('code', {}, client.client_secret)) : null;
        out.replaceChildren(h('p', { class: 'ok', role: 'status' }, `Registered ${client.client_id}.`), secret);
        done();
      },
      (error) => out.replaceChildren(alertBox(error.message)),
    );
  };
  return h(
    'form',
    { class: 'card', id: 'app-form', onsubmit: submit },
    h('h2', {}, 'Register a SMART app'),
    h('button', { type: 'button', class: 'secondary', onclick: fillDemo }, 'Fill in the sandbox demo app'),
    field('Client id', id),
    field('Name', name),
    field('Type', type),
    field('Redirect URIs', redirects, 'One or more absolute URLs, separated by spaces or lines.'),
    field('Launch URL', launch, 'Where an EHR launch sends the browser (with iss and launch).'),
    field('Scopes', scope),
    h('button', { type: 'submit' }, 'Register app'),
    out,
  );
}

function userForm(done) {
  const username = input('username', { required: true, autocomplete: 'off' });
  const password = input('password', { type: 'password', required: true, minlength: 8, autocomplete: 'new-password' });
  const role = select('role', [['practitioner', 'Practitioner'], ['patient', 'Patient'], ['admin', 'Administrator']]);
  const fhirUser = input('fhirUser', { placeholder: 'Practitioner/123 or Patient/456' });
  const name = input('user_name', { name: 'name' });
  const out = h('div', { 'aria-live': 'polite' });
  const submit = (event) => {
    event.preventDefault();
    authApi('/admin/users', 'POST', { username: username.value, password: password.value, role: role.value, fhirUser: fhirUser.value || undefined, name: name.value || undefined }).then(
      (user) => {
        password.value = '';
        out.replaceChildren(h('p', { class: 'ok', role: 'status' }, `Registered user ${user._id ?? user.username ?? username.value}.`));
        done();
      },
      (error) => out.replaceChildren(alertBox(error.message)),
    );
  };
  return h('form', { class: 'card', id: 'user-form', onsubmit: submit }, h('h2', {}, 'Register a user'), field('Username', username), field('Password', password, 'At least 8 characters.'), field('Role', role), field('FHIR user', fhirUser, 'Required for a patient.'), field('Name', name), h('button', { type: 'submit' }, 'Register user'), out);
}

async function lists() {
  const [clients, users] = await Promise.all([authApi('/admin/clients'), authApi('/admin/users')]);
  return [
    table(['Client id', 'Name', 'Type', 'Launch URL', 'Scopes'], clients.map((c) => [c.client_id, c.client_name, c.type, c.launch_url ?? '', h('small', {}, c.scope)]), 'Registered apps'),
    table(['Username', 'Role', 'FHIR user', 'Name'], users.map((u) => [u._id ?? u.username, u.role, u.fhirUser ?? '', u.name ?? '']), 'Users'),
  ];
}

export async function showApps() {
  if (!authOn()) return show('Apps & users', note('Authorization is off on this server: there are no apps or users to register.'));
  const listed = h('div', { id: 'registered' }, await lists());
  const refresh = () => void lists().then((nodes) => listed.replaceChildren(...nodes), (e) => listed.replaceChildren(alertBox(e.message)));
  return show('Apps & users', h('div', { class: 'columns' }, appForm(refresh), userForm(refresh)), listed);
}
