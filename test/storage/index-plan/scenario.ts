import request from 'supertest';
import type { Express } from 'express';
import { purgeAuditRecords } from '../../../src/audit';
import { sender, type Reply } from '../../helpers/send';
import { bloodPressure, encounter, LOINC, MRN, observation, others, patients, provenance } from './data';
import type { RecordingStore } from './recording-store';

/** The README "Telehealth examples" searches, on this data ($ escaped as in a shell). */
export const TELEHEALTH_EXAMPLES = [
  'Encounter?patient=pat1&class=VR&status=finished',
  'Appointment?actor=Practitioner/dr1&date=ge2024-05-01&status=booked',
  `Patient?identifier=${MRN}|MRN-77`,
  'Patient?name=nguyen&birthdate=1990-07-14',
  `Observation?code-value-quantity=${LOINC}|8480-6$gt140`,
  'Observation?subject:Patient.name=smith',
  'Patient?_has:Observation:patient:code=8867-4',
  'Observation?_id=hr1&_include=Observation:patient&_revinclude=Provenance:target',
];

/** Searches of every parameter type, modifier and result parameter, beyond the examples. */
export const SEARCHES = [
  'Slot?start=ge2030-01-01',
  'Slot?schedule=Schedule/sch1&status=free&start=ge2030-01-01&_sort=start',
  'Observation?date=ge2025-01-02',
  'Observation?date=2025-01-02',
  'Observation?date=le2025-01-02',
  'Observation?date=gt2025-01-02',
  'Observation?date=lt2025-01-02',
  'Observation?date=sa2025-01-02',
  'Observation?date=eb2025-01-02',
  'Observation?date=ap2025-01-02',
  'Patient?birthdate=ge1980-01-01',
  'Encounter?date=2025-01-02',
  'Observation?_lastUpdated=ge2020-01-01',
  `Observation?code=${LOINC}|8867-4`,
  'Observation?code=8867-4,85354-9',
  'Observation?category=vital-signs&code=8867-4',
  'Observation?patient=pat1&code:not=8867-4',
  'Observation?patient=pat1&value-quantity=gt50',
  `Observation?patient=pat1&value-quantity=70||/min`,
  'Observation?patient=pat1&value-quantity:missing=false',
  'Observation?patient=pat1&date=lt2026',
  'Observation?subject=pat1',
  'Observation?subject=Patient/pat1&_sort=-date',
  'Observation?patient=pat1&_sort=date',
  'Observation?subject:identifier=https://nowhere|x',
  'Observation?identifier=https://telefhir.example/reading|hr1',
  'Observation?encounter=Encounter/enc1',
  'Observation?patient=pat1&_summary=count',
  'Observation?patient=pat1&_elements=code',
  'Observation?_sort=-_lastUpdated&_total=none',
  'Observation?_sort=-date&_total=none',
  'Observation?_total=none',
  'Patient?family=nguy',
  'Patient?given=an',
  'Patient?name:exact=Nguyễn',
  'Patient?phonetic=nguy',
  'Patient?telecom=555-0101',
  'Patient?_id=pat1&_revinclude=Observation:patient',
  'Patient?_id=pat1,pat2',
  'Practitioner?name=oka',
  'Organization?name=river',
  'Location?name=clinic',
  'RelatedPerson?name=nguy',
  'Encounter?subject=pat1',
  'Encounter?appointment=Appointment/none',
  'Appointment?patient=pat1&_sort=-date',
  'Appointment?actor=Practitioner/dr1&_sort=date',
  'Schedule?actor=Practitioner/dr1',
  'Device?identifier=https://telefhir.example/device-serial|HR-1',
  'Flag?patient=pat1&status=active',
  'Patient/pat1/Observation?code=8867-4',
  '?_type=Patient,Practitioner&name=o',
  // the audit trail (src/audit): admin searches by patient, agent, client, entity, kind and date
  'AuditEvent?patient=pat1',
  'AuditEvent?patient=Patient/pat1&_sort=-date',
  'AuditEvent?patient=pat1&date=ge2025-01-01&_sort=-date',
  'AuditEvent?agent=Practitioner/dr1&_sort=-date',
  'AuditEvent?altid=app&_sort=-date',
  'AuditEvent?entity=Observation/hr1',
  'AuditEvent?entity=Observation/hr1&_sort=-date',
  'AuditEvent?type=rest&subtype=read&action=R',
  'AuditEvent?date=ge2025-01-01',
  'AuditEvent?_sort=-date&_total=none',
  // generic searches that no index can bound (see exceptions.ts)
  'Patient?name:contains=guy',
  'Observation?code:text=heart',
];

/** Pages through a search: next twice, then previous. */
export const PAGED = ['Observation?patient=pat1&_sort=-date&_count=2', 'Observation?patient=pat1&_count=2', 'Observation?_sort=-_lastUpdated&_count=2&_total=none', 'Observation?_sort=-date&_count=2&_total=none'];

export async function runScenario(app: Express, recorder: RecordingStore): Promise<void> {
  const send = sender(app);
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', target: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> => {
    recorder.request = `${method} ${target}`;
    const res = await send(method, target, body, headers);
    if (res.status >= 400) throw new Error(`${method} ${target} → ${res.status}: ${JSON.stringify(res.body)}`);
    return res;
  };
  const relative = (url: string) => url.replace(/^https?:\/\/[^/]+\/fhir\/?/, '');
  const link = (res: Reply, rel: string) => (res.body.link as Array<{ relation: string; url: string }>).find((l) => l.relation === rel)?.url;

  for (const r of [...patients(), ...others()]) await call('PUT', `${r.resourceType}/${r.id}`, r);
  for (let n = 1; n <= 5; n++) await call('PUT', `Observation/hr${n}`, observation(`hr${n}`, n % 2 ? 'pat1' : 'pat2', '8867-4', 60 + n * 5, n));
  await call('PUT', 'Observation/bp1', bloodPressure('bp1', 'pat1'));
  await call('PUT', 'Encounter/enc1', encounter('enc1', 'pat1'));
  await call('POST', 'Provenance', provenance('Observation/hr1'));
  await call('PUT', 'Patient/pat2', { ...patients()[1], active: true });

  // telehealth operations: booking, the visit, RPM ingest (conditional creates in a transaction), media
  const book = await call('POST', 'Appointment/$book', {
    resourceType: 'Parameters',
    parameter: [
      { name: 'slot', valueReference: { reference: 'Slot/slot0' } },
      { name: 'patient', valueReference: { reference: 'Patient/pat1' } },
    ],
  });
  const appointment = book.body.id as string;
  await call('POST', `Appointment/${appointment}/$start-visit`);
  await call('POST', `Appointment/${appointment}/$end-visit`);
  const reading = observation('ignored', 'pat1', '8867-4', 88, 9);
  delete reading.id;
  const ingest = { ...reading, identifier: [{ system: 'https://telefhir.example/reading', value: 'dev1-1' }], device: { reference: 'Device/dev1' } };
  const entry = { resource: ingest, request: { method: 'POST', url: 'Observation', ifNoneExist: 'identifier=https://telefhir.example/reading|dev1-1' } };
  await call('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [entry] });
  await call('POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [entry] });
  recorder.request = 'POST Binary';
  const binary = await request(app).post('/fhir/Binary').set('Content-Type', 'image/png').set('X-Security-Context', 'Patient/pat1').send(Buffer.from('89504e47', 'hex'));
  if (binary.status !== 201) throw new Error(`POST Binary → ${binary.status}`);
  recorder.request = 'GET Binary';
  await request(app).get(`/fhir/Binary/${(JSON.parse(binary.text) as { id: string }).id}`);

  // conditional interactions
  const walkIn = { resourceType: 'Patient', identifier: [{ system: MRN, value: 'MRN-90' }], name: [{ family: 'Walker' }] };
  await call('POST', 'Patient', walkIn, { 'If-None-Exist': `identifier=${MRN}|MRN-90` });
  await call('PUT', `Patient?identifier=${MRN}|MRN-90`, { ...walkIn, active: true });
  await call('DELETE', `Patient?identifier=${MRN}|MRN-90`);

  for (const search of [...TELEHEALTH_EXAMPLES, ...SEARCHES]) await call('GET', search);
  for (const first of PAGED) {
    const one = await call('GET', first);
    const two = await call('GET', relative(link(one, 'next') as string));
    const three = await call('GET', relative(link(two, 'next') as string));
    await call('GET', relative(link(three, 'previous') as string));
  }

  // history, $everything, $lastn
  await call('GET', 'Patient/pat2/_history');
  const typeHistory = await call('GET', 'Observation/_history?_count=2');
  await call('GET', relative(link(typeHistory, 'next') as string));
  await call('GET', 'Observation/_history?_since=2020-01-01T00:00:00Z');
  const system = await call('GET', '_history?_count=3');
  await call('GET', relative(link(system, 'next') as string));
  await call('GET', 'Patient/pat1/$everything');
  await call('GET', 'Observation/$lastn?patient=pat1&category=vital-signs');

  // the audit trail's retention purge
  recorder.request = 'audit purge';
  await purgeAuditRecords(recorder, 30);
}
