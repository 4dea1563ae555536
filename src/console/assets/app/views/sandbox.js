// The SMART sandbox: an EHR launch of a registered app with a chosen patient and encounter,
// as app developers use smart-launcher (POST /auth/launch, then the app's launch URL with iss + launch).
import { authApi, search } from '../api.js';
import { alertBox, field, h, note, select, show, summary } from '../dom.js';
import { authOn } from '../session.js';

export async function showSandbox(chosenPatient) {
  if (!authOn()) return show('Launch sandbox', note('Authorization is off on this server: SMART launches need it on.'));
  const [clients, patients] = await Promise.all([authApi('/admin/clients'), search('Patient?_count=100')]);
  const apps = clients.filter((c) => c.launch_url);
  if (apps.length === 0) {
    return show('Launch sandbox', note('No registered app has a launch URL yet.'), h('a', { href: '#/apps' }, 'Register one (the demo app is one click away)'));
  }
  const app = select('launch-app', apps.map((c) => [c.client_id, `${c.client_name} (${c.client_id})`]));
  const patient = select('launch-patient', patients.resources.map((p) => [p.id, `${summary(p) || p.id} (${p.id})`]), { required: true });
  const encounter = select('launch-encounter', [['', '(none)']]);
  const out = h('div', { 'aria-live': 'polite' });
  const loadEncounters = async () => {
    const { resources } = await search(`Encounter?patient=${patient.value}&_sort=-date&_count=50`);
    encounter.replaceChildren(...[['', '(none)'], ...resources.map((e) => [e.id, `${e.class?.code === 'VR' ? 'Video visit' : 'Encounter'} ${e.period?.start?.slice(0, 10) ?? ''} (${e.status})`])].map(([value, label]) => h('option', { value }, label)));
  };
  patient.addEventListener('change', () => void loadEncounters().catch((e) => out.replaceChildren(alertBox(e.message))));
  if (chosenPatient && patients.resources.some((p) => p.id === chosenPatient)) patient.value = chosenPatient;
  if (patient.value) await loadEncounters();
  const submit = (event) => {
    event.preventDefault();
    authApi('/launch', 'POST', { client_id: app.value, patient: patient.value, ...(encounter.value ? { encounter: encounter.value } : {}) }).then(
      (launch) => location.assign(launch.launch_url),
      (error) => out.replaceChildren(alertBox(error.message)),
    );
  };
  return show(
    'Launch sandbox',
    h('p', {}, 'Starts an EHR launch: the app receives ', h('code', {}, 'iss'), ' and a one-hour ', h('code', {}, 'launch'), ' handle bound to the chosen context, then signs in through this server.'),
    h('form', { class: 'card', id: 'launch-form', onsubmit: submit }, field('App', app), field('Patient', patient), field('Encounter', encounter), h('button', { type: 'submit' }, 'Launch'), out),
  );
}
