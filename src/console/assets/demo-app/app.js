// Completes the launch (code → token with PKCE) and shows what the token opens: the patient in context.
const out = document.getElementById('out');
const list = document.getElementById('patient');

function row(term, value) {
  const dt = document.createElement('dt');
  const dd = document.createElement('dd');
  dt.textContent = term;
  dd.textContent = value ?? '';
  list.append(dt, dd);
}

FHIR.oauth2
  .ready()
  .then(async (client) => {
    const patient = await client.patient.read();
    const observations = await client.request(`Observation?patient=${client.patient.id}&_count=1`);
    const name = patient.name?.[0];
    list.replaceChildren();
    row('Patient', [name?.given?.join(' '), name?.family].filter(Boolean).join(' '));
    row('Patient id', patient.id);
    row('Birth date', patient.birthDate);
    row('Encounter', client.encounter.id ?? '(none)');
    row('Observations', String(observations.total ?? observations.entry?.length ?? 0));
    row('Scopes granted', client.state.tokenResponse?.scope);
    list.setAttribute('aria-busy', 'false');
    out.textContent = JSON.stringify({ patient: patient.id, encounter: client.encounter.id ?? null });
  })
  .catch((error) => {
    out.textContent = `ERROR ${error.message}`;
  });
