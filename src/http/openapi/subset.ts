import type { OpenApiDocument } from './types';

/**
 * The document restricted to some resource types (plus the System paths): `?_type=Patient,Slot`.
 * Swagger UI renders the whole document at every expand, so the viewer opens on the telehealth
 * types and offers all 146 as a second, slower choice.
 */
export const TELEHEALTH_TYPES = [
  'Patient',
  'Practitioner',
  'Schedule',
  'Slot',
  'Appointment',
  'Encounter',
  'Observation',
  'Device',
  'Flag',
  'Media',
  'Binary',
  'DocumentReference',
];

export function subsetByTypes(doc: OpenApiDocument, types: ReadonlySet<string>): OpenApiDocument {
  const keep = (path: string) => {
    const first = /^\/([A-Za-z]+)(?:\/|$)/.exec(path)?.[1];
    return !first || !/^[A-Z]/.test(first) || types.has(first);
  };
  return {
    ...doc,
    tags: doc.tags.filter((t) => t.name === 'System' || types.has(t.name)),
    paths: Object.fromEntries(Object.entries(doc.paths).filter(([path]) => keep(path))),
  };
}
