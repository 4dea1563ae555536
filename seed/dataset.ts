import { createHash } from 'node:crypto';
import type { Appointment, Binary, Bundle, BundleEntry, Device, Encounter, Media, Observation, Patient, Practitioner, Resource, Schedule, Slot } from 'fhir/r4';
import { CITIES, FAMILY, GIVEN_FEMALE, GIVEN_MALE, SPECIALTIES, STREETS } from './names';
import { lesionPng } from './png';
import { Random } from './prng';

/**
 * The synthetic telehealth dataset, as transaction Bundles of CONDITIONAL creates: every resource
 * carries a stable business identifier and is POSTed with ifNoneExist on it, and references
 * between bundles are conditional references (`Patient?identifier=...`). Loading it twice
 * therefore creates nothing the second time. Binaries (which have no identifier) are written
 * with PUT under stable ids, only when absent (see load.ts).
 */
/** The canonical URL of profiles/RemoteMonitoringObservation.json, as a device hub sends it. */
export const REMOTE_MONITORING_PROFILE = 'http://telefhir.org/fhir/StructureDefinition/RemoteMonitoringObservation';

export const SYSTEM = {
  mrn: 'https://telefhir.example/mrn',
  practitioner: 'https://telefhir.example/practitioner',
  schedule: 'https://telefhir.example/schedule',
  slot: 'https://telefhir.example/slot',
  appointment: 'https://telefhir.example/appointment',
  encounter: 'https://telefhir.example/encounter',
  device: 'https://telefhir.example/device-serial',
  reading: 'https://telefhir.example/reading',
  media: 'https://telefhir.example/media',
} as const;

const LOINC = 'http://loinc.org';
const UCUM = 'http://unitsofmeasure.org';
const VIRTUAL = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR', display: 'virtual' };
const VITALS = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] };
const LAB = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory', display: 'Laboratory' }] };

export interface SeedOptions {
  patients: number;
  seed: number;
  /** The day the dataset is centred on (past visits before, booked visits after). */
  today: Date;
  practitioners?: number;
  /** Days of remote monitoring readings per enrolled patient. */
  days?: number;
}

export interface PhotoUpload {
  binary: Binary;
  /** A transaction creating the Media that points at the Binary (conditional on its identifier). */
  media: Bundle;
}

export interface Dataset {
  bundles: Bundle[];
  photos: PhotoUpload[];
  counts: Record<string, number>;
}

const pad = (n: number, width = 6) => String(n).padStart(width, '0');
const uuid = (key: string) => {
  const h = createHash('sha256').update(key).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};
const byIdentifier = (type: string, system: string, value: string) => `${type}?identifier=${encodeURIComponent(`${system}|${value}`)}`;

function create(resource: Resource & { identifier?: Array<{ system?: string; value?: string }> }): BundleEntry {
  const id = resource.identifier?.[0] as { system: string; value: string };
  return {
    fullUrl: uuid(`${id.system}|${id.value}`),
    resource: resource as BundleEntry['resource'],
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: `identifier=${id.system}|${id.value}` },
  };
}
const transaction = (entry: BundleEntry[]): Bundle => ({ resourceType: 'Bundle', type: 'transaction', entry });
const quantity = (value: number, unit: string, digits = 0) => ({ value: Number(value.toFixed(digits)), unit, system: UCUM, code: unit });
const day = (today: Date, offset: number, hour = 0, minute = 0) =>
  new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + offset, hour, minute)).toISOString();

function practitioner(n: number, rnd: Random): Practitioner {
  const female = rnd.chance(0.5);
  return {
    resourceType: 'Practitioner',
    identifier: [{ system: SYSTEM.practitioner, value: `PR-${pad(n, 3)}` }],
    active: true,
    name: [{ family: rnd.pick(FAMILY), given: [rnd.pick(female ? GIVEN_FEMALE : GIVEN_MALE)], prefix: ['Dr.'] }],
    gender: female ? 'female' : 'male',
    telecom: [{ system: 'email', value: `pr${pad(n, 3)}@clinic.telefhir.example`, use: 'work' }],
  };
}

function patient(n: number, rnd: Random): Patient {
  const female = rnd.chance(0.52);
  const given = rnd.pick(female ? GIVEN_FEMALE : GIVEN_MALE);
  const family = rnd.pick(FAMILY);
  const place = rnd.pick(CITIES);
  const year = rnd.int(1938, 2004);
  return {
    resourceType: 'Patient',
    identifier: [{ use: 'usual', type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: SYSTEM.mrn, value: `MRN-${pad(n)}` }],
    active: true,
    name: [{ use: 'official', family, given: [given] }],
    gender: female ? 'female' : 'male',
    birthDate: `${year}-${String(rnd.int(1, 12)).padStart(2, '0')}-${String(rnd.int(1, 28)).padStart(2, '0')}`,
    telecom: [
      { system: 'phone', value: `+1-555-${String(rnd.int(100, 999))}-${String(rnd.int(1000, 9999))}`, use: 'mobile' },
      { system: 'email', value: `${given}.${family}.${n}@mail.telefhir.example`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''), use: 'home' },
    ],
    address: [{ use: 'home', line: [`${rnd.int(1, 999)} ${rnd.pick(STREETS)}`], city: place.city, state: place.state, postalCode: place.postalCode, country: 'US' }],
    communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'en-US' }] }, preferred: true }],
  };
}

/** One device per measured quantity, as a home RPM kit ships them. */
const KIT = [
  { kind: 'bp', name: 'Blood pressure monitor', snomed: '258057004' },
  { kind: 'ox', name: 'Pulse oximeter', snomed: '448703006' },
  { kind: 'scale', name: 'Body weight scale', snomed: '19892000' },
  { kind: 'glu', name: 'Blood glucose meter', snomed: '337414009' },
] as const;

function device(patientN: number, kind: (typeof KIT)[number], patientRef: string): Device {
  return {
    resourceType: 'Device',
    identifier: [{ system: SYSTEM.device, value: `${kind.kind.toUpperCase()}-${pad(patientN)}` }],
    status: 'active',
    manufacturer: 'Telefhir Demo Devices',
    serialNumber: `${kind.kind.toUpperCase()}-${pad(patientN)}`,
    deviceName: [{ name: kind.name, type: 'user-friendly-name' }],
    type: { coding: [{ system: 'http://snomed.info/sct', code: kind.snomed, display: kind.name }] },
    patient: { reference: patientRef },
  };
}

interface Baseline {
  hr: number;
  sys: number;
  dia: number;
  spo2: number;
  weight: number;
  glucose: number;
}

function readings(patientN: number, rnd: Random, today: Date, days: number): Observation[] {
  const base: Baseline = { hr: rnd.around(74, 6), sys: rnd.around(128, 10), dia: rnd.around(80, 6), spo2: rnd.around(96.5, 1), weight: rnd.around(82, 14), glucose: rnd.around(115, 15) };
  const subject = { reference: byIdentifier('Patient', SYSTEM.mrn, `MRN-${pad(patientN)}`) };
  const dev = (kind: string) => ({ reference: byIdentifier('Device', SYSTEM.device, `${kind.toUpperCase()}-${pad(patientN)}`) });
  const result: Observation[] = [];
  const reading = (d: number, key: string, code: string, display: string, at: string, kind: string, extra: Partial<Observation>): void => {
    result.push({
      resourceType: 'Observation',
      // claiming the profile is what makes a reading remote monitoring: registered Device, Flags
      meta: { profile: [REMOTE_MONITORING_PROFILE] },
      identifier: [{ system: SYSTEM.reading, value: `${pad(patientN)}-${key}-${d}` }],
      status: 'final',
      // every home reading is RemoteMonitoringObservation (vital-signs category required); glucose is also laboratory
      category: key === 'glu' ? [VITALS, LAB] : [VITALS],
      code: { coding: [{ system: LOINC, code, display }], text: display },
      subject,
      device: dev(kind),
      effectiveDateTime: at,
      ...extra,
    });
  };
  for (let d = days; d >= 1; d--) {
    // a rare spike: the out-of-range readings the Flags are for
    const spike = rnd.chance(0.02);
    const morning = day(today, -d, 7, rnd.int(0, 50));
    const sys = spike ? rnd.around(192, 5) : rnd.around(base.sys, 6);
    reading(d, 'bp', '85354-9', 'Blood pressure panel with all children optional', morning, 'bp', {
      component: [
        { code: { coding: [{ system: LOINC, code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: quantity(sys, 'mm[Hg]') },
        { code: { coding: [{ system: LOINC, code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: quantity(rnd.around(base.dia, 4), 'mm[Hg]') },
      ],
    });
    reading(d, 'hr', '8867-4', 'Heart rate', morning, 'bp', { valueQuantity: quantity(rnd.around(base.hr, 5), '/min') });
    const spo2 = Math.min(100, spike && rnd.chance(0.5) ? rnd.around(86, 1) : rnd.around(base.spo2, 0.8));
    reading(d, 'ox', '59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry', day(today, -d, 8, rnd.int(0, 50)), 'ox', { valueQuantity: quantity(spo2, '%') });
    reading(d, 'wt', '29463-7', 'Body weight', day(today, -d, 7, rnd.int(0, 10)), 'scale', { valueQuantity: quantity(base.weight + rnd.around(0, 0.4) - d * 0.01, 'kg', 1) });
    reading(d, 'glu', '2339-0', 'Glucose [Mass/volume] in Blood', day(today, -d, 12, rnd.int(0, 59)), 'glu', { valueQuantity: quantity(rnd.around(base.glucose, 18), 'mg/dL') });
  }
  return result;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function generateDataset(options: SeedOptions): Dataset {
  const rnd = new Random(options.seed);
  const practitionerCount = options.practitioners ?? 10;
  const days = options.days ?? 30;
  const counts: Record<string, number> = {};
  const count = (type: string, n = 1) => (counts[type] = (counts[type] ?? 0) + n);
  const bundles: Bundle[] = [];
  const photos: PhotoUpload[] = [];
  const slotsPerPractitioner = 20;
  const slotKey = (p: number, s: number) => `SL-${pad(p, 3)}-${pad(s, 3)}`;
  // which slots the booked (future) visits take: patient n → practitioner n % P, slot ⌊n/P⌋
  const booked = new Map<string, number>();
  for (let n = 1; n <= options.patients; n++) {
    if (n % 3 !== 1) continue;
    const p = (n % practitionerCount) + 1;
    const s = Math.floor(n / practitionerCount) % slotsPerPractitioner;
    if (!booked.has(slotKey(p, s))) booked.set(slotKey(p, s), n);
  }

  for (let p = 1; p <= practitionerCount; p++) {
    const pr = practitioner(p, rnd);
    const specialty = SPECIALTIES[p % SPECIALTIES.length] as { code: string; display: string };
    const schedule: Schedule = {
      resourceType: 'Schedule',
      identifier: [{ system: SYSTEM.schedule, value: `SC-${pad(p, 3)}` }],
      active: true,
      serviceType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/service-type', code: '57', display: 'Immunization' }], text: 'Video visit' }],
      specialty: [{ coding: [{ system: 'http://snomed.info/sct', ...specialty }] }],
      actor: [{ reference: uuid(`${SYSTEM.practitioner}|PR-${pad(p, 3)}`) }],
      planningHorizon: { start: day(options.today, 1), end: day(options.today, 8) },
    };
    const entries = [create(pr), create(schedule)];
    for (let s = 0; s < slotsPerPractitioner; s++) {
      const start = day(options.today, 1 + Math.floor(s / 4), 14 + Math.floor((s % 4) / 2), (s % 2) * 30);
      const slot: Slot = {
        resourceType: 'Slot',
        identifier: [{ system: SYSTEM.slot, value: slotKey(p, s) }],
        schedule: { reference: uuid(`${SYSTEM.schedule}|SC-${pad(p, 3)}`) },
        status: booked.has(slotKey(p, s)) ? 'busy' : 'free',
        start,
        end: new Date(Date.parse(start) + 20 * 60_000).toISOString(),
        appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0276', code: 'ROUTINE' }] },
      };
      entries.push(create(slot));
    }
    count('Practitioner');
    count('Schedule');
    count('Slot', slotsPerPractitioner);
    bundles.push(transaction(entries));
  }

  for (let n = 1; n <= options.patients; n++) {
    const pt = patient(n, rnd);
    const mrn = `MRN-${pad(n)}`;
    const patientRef = uuid(`${SYSTEM.mrn}|${mrn}`);
    const p = (n % practitionerCount) + 1;
    const clinician = { reference: byIdentifier('Practitioner', SYSTEM.practitioner, `PR-${pad(p, 3)}`) };
    const entries: BundleEntry[] = [create(pt)];
    count('Patient');
    // a past video visit, fulfilled, with its finished VR Encounter
    const pastStart = day(options.today, -rnd.int(2, 60), rnd.int(13, 17), rnd.pick([0, 30]));
    const pastEnd = new Date(Date.parse(pastStart) + 20 * 60_000).toISOString();
    const past: Appointment = {
      resourceType: 'Appointment',
      identifier: [{ system: SYSTEM.appointment, value: `AP-${pad(n)}-1` }],
      status: 'fulfilled',
      description: 'Video visit: follow-up',
      start: pastStart,
      end: pastEnd,
      created: pastStart.slice(0, 10),
      participant: [
        { actor: { reference: patientRef }, status: 'accepted', required: 'required' },
        { actor: clinician, status: 'accepted', required: 'required' },
      ],
    };
    const encounter: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: SYSTEM.encounter, value: `EN-${pad(n)}-1` }],
      status: 'finished',
      class: VIRTUAL,
      subject: { reference: patientRef },
      participant: [{ individual: clinician }],
      appointment: [{ reference: uuid(`${SYSTEM.appointment}|AP-${pad(n)}-1`) }],
      period: { start: pastStart, end: pastEnd },
    };
    entries.push(create(past), create(encounter));
    count('Appointment');
    count('Encounter');
    const taken = [...booked.entries()].find(([, patientN]) => patientN === n)?.[0];
    if (taken) {
      const s = Number(taken.slice(-3));
      const start = day(options.today, 1 + Math.floor(s / 4), 14 + Math.floor((s % 4) / 2), (s % 2) * 30);
      entries.push(
        create({
          resourceType: 'Appointment',
          identifier: [{ system: SYSTEM.appointment, value: `AP-${pad(n)}-2` }],
          status: 'booked',
          description: 'Video visit',
          start,
          end: new Date(Date.parse(start) + 20 * 60_000).toISOString(),
          slot: [{ reference: byIdentifier('Slot', SYSTEM.slot, taken) }],
          created: day(options.today, -1).slice(0, 10),
          participant: [
            { actor: { reference: patientRef }, status: 'accepted', required: 'required' },
            { actor: clinician, status: 'accepted', required: 'required' },
          ],
        } as Appointment),
      );
      count('Appointment');
    }
    const enrolled = n % 3 === 0 || options.patients <= 6;
    if (enrolled) for (const kind of KIT) entries.push(create(device(n, kind, patientRef)));
    if (enrolled) count('Device', KIT.length);
    bundles.push(transaction(entries));
    if (enrolled) {
      const obs = readings(n, rnd, options.today, days);
      count('Observation', obs.length);
      for (const part of chunks(obs, 100)) bundles.push(transaction(part.map((o) => create(o))));
    }
    if (n % 5 === 1) {
      const id = `seed-photo-${pad(n)}`;
      const png = lesionPng(48, 36, n);
      const media: Media = {
        resourceType: 'Media',
        identifier: [{ system: SYSTEM.media, value: `ME-${pad(n)}` }],
        status: 'completed',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/media-type', code: 'image', display: 'Image' }] },
        subject: { reference: byIdentifier('Patient', SYSTEM.mrn, mrn) },
        createdDateTime: day(options.today, -rnd.int(1, 20), 10),
        bodySite: { text: 'Left forearm' },
        content: { contentType: 'image/png', url: `Binary/${id}`, size: png.length, title: 'Skin lesion photo (patient-submitted)' },
        note: [{ text: 'Store-and-forward photo for dermatology review' }],
      };
      photos.push({ binary: { resourceType: 'Binary', id, contentType: 'image/png', data: png.toString('base64') }, media: transaction([create(media)]) });
      count('Binary');
      count('Media');
    }
  }
  return { bundles, photos, counts };
}
