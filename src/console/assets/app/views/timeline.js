// A patient's telehealth timeline: visits, remote readings as charts, flags and media.
import { binaryUrl, fhir, search } from '../api.js';
import { alertBox, h, note, show, summary, table, when } from '../dom.js';
import { chartsOf } from './chart.js';

/** Runs one section's searches; a failing section says so without hiding the others. */
async function section(title, id, build) {
  let body;
  try {
    body = await build();
  } catch (error) {
    body = [alertBox(error.message)];
  }
  return h('section', { id, 'aria-labelledby': `${id}-title` }, h('h2', { id: `${id}-title` }, title), ...[body].flat());
}

const isVirtual = (encounter) => encounter.class?.code === 'VR';

async function visits(patient) {
  const [appointments, encounters] = await Promise.all([
    search(`Appointment?patient=${patient}&_sort=-date&_count=50`),
    search(`Encounter?patient=${patient}&_sort=-date&_count=50`),
  ]);
  const rows = [
    ...appointments.resources.map((a) => ({ at: a.start, cells: ['Appointment', a.status, a.description ?? '', a] })),
    ...encounters.resources.map((e) => ({ at: e.period?.start, cells: [isVirtual(e) ? 'Video visit (VR)' : `Encounter (${e.class?.code ?? '?'})`, e.status, e.period?.end ? `until ${when(e.period.end)}` : '', e] })),
  ].sort((a, b) => String(b.at ?? '').localeCompare(String(a.at ?? '')));
  if (rows.length === 0) return note('No visits.');
  return table(
    ['When', 'Visit', 'Status', 'Detail', ''],
    rows.map(({ at, cells: [kind, status, detail, r] }) => [when(at), kind, status, detail, h('a', { href: `#/resource/${r.resourceType}/${r.id}` }, 'JSON')]),
    'Visits',
  );
}

async function readings(patient) {
  const { resources } = await search(`Observation?patient=${patient}&category=vital-signs&_sort=date&_count=1000`);
  if (resources.length === 0) return note('No remote readings.');
  return h('div', { class: 'charts' }, chartsOf(resources).map((chart) => h('figure', {}, chart, h('figcaption', {}, chart.querySelector('title')?.textContent ?? ''))));
}

async function flags(patient) {
  const { resources } = await search(`Flag?patient=${patient}&_count=50`);
  if (resources.length === 0) return note('No flags.');
  return h(
    'ul',
    { class: 'flags' },
    resources.map((f) => h('li', { class: f.status === 'active' ? 'flag active' : 'flag' }, h('strong', {}, f.status), ' ', f.code?.text ?? f.code?.coding?.[0]?.display ?? summary(f), ' ', h('small', {}, when(f.period?.start)))),
  );
}

async function thumbnail(attachment) {
  if (attachment?.data) return `data:${attachment.contentType};base64,${attachment.data}`;
  const reference = /^(?:.*\/)?(Binary\/[A-Za-z0-9\-.]{1,64})$/.exec(attachment?.url ?? '')?.[1];
  return reference ? binaryUrl(reference) : undefined;
}

async function media(patient) {
  const { resources } = await search(`Media?patient=${patient}&_count=20`);
  if (resources.length === 0) return note('No media.');
  const items = await Promise.all(
    resources.map(async (m) => {
      const image = m.content?.contentType?.startsWith('image/') ? await thumbnail(m.content).catch(() => undefined) : undefined;
      const title = m.content?.title ?? m.bodySite?.text ?? 'Media';
      return h('figure', { class: 'thumb' }, image ? h('img', { src: image, alt: title }) : h('span', { class: 'placeholder' }, m.content?.contentType ?? '?'), h('figcaption', {}, title, h('br'), when(m.createdDateTime)));
    }),
  );
  return h('div', { class: 'thumbs' }, items);
}

export async function showTimeline(patientId) {
  const patient = await fhir(`Patient/${patientId}`);
  const sections = await Promise.all([
    section('Visits', 'visits', () => visits(patientId)),
    section('Remote readings', 'readings', () => readings(patientId)),
    section('Flags', 'flags', () => flags(patientId)),
    section('Media', 'media', () => media(patientId)),
  ]);
  const born = patient.birthDate ? `born ${patient.birthDate}` : '';
  return show(
    summary(patient) || `Patient ${patientId}`,
    h('p', { class: 'actions' }, h('span', {}, [patient.gender, born].filter(Boolean).join(', ')), h('a', { href: `#/resource/Patient/${patientId}` }, 'JSON'), h('a', { href: `#/sandbox?patient=${patientId}` }, 'Launch an app for this patient')),
    sections,
  );
}
